"""Powertools for AWS Lambda (Python), the contender of the end-to-end benchmark: the
same routes as the Rust bootstraps (GET /todos/{id}, POST /todos) on
APIGatewayHttpResolver, and the same SQS orders through BatchProcessor, run by
awslambdaric (see scripts/bench-e2e.sh)."""

import json

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

logger = Logger(service="bench")
app = APIGatewayHttpResolver()
processor = BatchProcessor(event_type=EventType.SQS)


@app.get("/todos/<todo_id>")
def get_todo(todo_id: str):
    return {"id": int(todo_id), "title": "benchmark the framework", "completed": False}


@app.post("/todos")
def create_todo():
    new = app.current_event.json_body
    created = {"id": 7, "title": new["title"], "completed": False}
    return Response(status_code=201, content_type="application/json", body=json.dumps(created))


@logger.inject_lambda_context
def http(event, context):
    return app.resolve(event, context)


def accept(record):
    order = json.loads(record.body)
    if order["quantity"] == 0:
        raise ValueError(f"order {order['orderId']} has no items")


@logger.inject_lambda_context
def sqs(event, context):
    return process_partial_response(event=event, record_handler=accept, processor=processor, context=context)
