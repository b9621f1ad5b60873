"""Powertools for AWS Lambda (Python), the contender of the end-to-end benchmark: the
same ten-route todo API as the Rust bootstraps on APIGatewayHttpResolver, the same SQS
orders and DynamoDB Streams changes through BatchProcessor, and a handler that does
nothing; run by awslambdaric (see scripts/bench-e2e.sh). Each handler logs through
Powertools' Logger, as its users set it up."""

import json

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecordEventName

logger = Logger(service="bench")
app = APIGatewayHttpResolver()
sqs_processor = BatchProcessor(event_type=EventType.SQS)
dynamodb_processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def todo(todo_id, title="measure the whole process", completed=False):
    return {"id": int(todo_id), "title": title, "completed": completed}


def created(status, body):
    return Response(status_code=status, content_type="application/json", body=json.dumps(body))


@app.get("/health")
def health():
    return {"ok": True}


@app.get("/todos")
def list_todos():
    limit = min(int(app.current_event.get_query_string_value("limit", "3")), 100)
    return [todo(n) for n in range(1, limit + 1)]


@app.post("/todos")
def create_todo():
    new = app.current_event.json_body
    return created(201, todo(7, new["title"], new.get("completed", False)))


@app.get("/todos/<todo_id>")
def get_todo(todo_id: str):
    return todo(todo_id)


@app.put("/todos/<todo_id>")
def replace_todo(todo_id: str):
    new = app.current_event.json_body
    return todo(todo_id, new["title"], new.get("completed", False))


@app.patch("/todos/<todo_id>")
def patch_todo(todo_id: str):
    patch = app.current_event.json_body
    current = todo(todo_id)
    current.update({key: patch[key] for key in ("title", "completed") if key in patch})
    return current


@app.delete("/todos/<todo_id>")
def delete_todo(todo_id: str):
    return Response(status_code=204)


@app.get("/todos/<todo_id>/comments")
def list_comments(todo_id: str):
    return [{"author": "ada", "text": "started"}]


@app.post("/todos/<todo_id>/comments")
def add_comment(todo_id: str):
    comment = app.current_event.json_body
    return created(201, {"author": comment["author"], "text": comment["text"]})


@app.get("/users/<user_id>")
def get_user(user_id: str):
    return {"id": int(user_id), "name": "Ada", "todos": 3}


@logger.inject_lambda_context
def http(event, context):
    return app.resolve(event, context)


def accept(order):
    if order["quantity"] == 0:
        raise ValueError(f"order {order['orderId']} has no quantity")


def accept_message(record):
    accept(json.loads(record.body))


@logger.inject_lambda_context
def sqs(event, context):
    return process_partial_response(event=event, record_handler=accept_message, processor=sqs_processor, context=context)


def accept_change(record):
    if record.event_name in (DynamoDBRecordEventName.INSERT, DynamoDBRecordEventName.MODIFY):
        image = record.dynamodb.new_image
        accept({"orderId": image["orderId"], "quantity": int(image["quantity"]), "note": image["note"]})


@logger.inject_lambda_context
def dynamodb(event, context):
    return process_partial_response(
        event=event, record_handler=accept_change, processor=dynamodb_processor, context=context
    )


@logger.inject_lambda_context
def empty(event, context):
    return None
