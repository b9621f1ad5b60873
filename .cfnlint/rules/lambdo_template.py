"""cfn-lint rules for lambdo's deployment template. They read the template after the
SAM transform, as CloudFormation deploys it: tests/template/check.py (run by
scripts/test.sh) translates template.yaml with SAM's translator and lints the result
with these rules appended.

- E9101: no IAM statement allows a data service's actions on every resource (`*`);
- E9102: every function logs to a log group that has a retention;
- E9103: every batch event source (SQS, Kinesis, DynamoDB Streams) reports item
  failures and has somewhere for failed records to go (the queue's DLQ, the stream
  mapping's on-failure destination).

tests/template/check.py also shows each rule catching what it guards.
"""

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# Services whose resources hold data: a `*` resource there reaches every table,
# queue, bucket or secret of the account.
DATA_SERVICES = (
    "dynamodb",
    "sqs",
    "sns",
    "s3",
    "kinesis",
    "secretsmanager",
    "ssm",
    "kms",
    "rds",
    "rds-data",
    "elasticache",
    "es",
)

BATCH_SOURCES = ("AWS::SQS::Queue", "AWS::Kinesis::Stream", "AWS::DynamoDB::Table")


def as_list(value):
    return value if isinstance(value, list) else [value]


def referenced(value):
    """The logical id a `Ref` or `Fn::GetAtt` names, if it names one."""
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            if isinstance(target, list):
                return target[0]
            return str(target).split(".")[0]
    return None


def statements(cfn):
    """(path, statement) for every statement of every inline policy."""
    for name, resource in cfn.get_resources(["AWS::IAM::Role"]).items():
        policies = resource.get("Properties", {}).get("Policies", [])
        for index, policy in enumerate(as_list(policies)):
            document = policy.get("PolicyDocument", {}) if isinstance(policy, dict) else {}
            path = ["Resources", name, "Properties", "Policies", index, "PolicyDocument", "Statement"]
            yield from numbered(path, document.get("Statement", []))
    for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for name, resource in cfn.get_resources([kind]).items():
            document = resource.get("Properties", {}).get("PolicyDocument", {})
            path = ["Resources", name, "Properties", "PolicyDocument", "Statement"]
            yield from numbered(path, document.get("Statement", []))


def numbered(path, entries):
    for index, statement in enumerate(as_list(entries)):
        if isinstance(statement, dict):
            yield path + [index], statement


class NoDataServiceOnEveryResource(CloudFormationLintRule):
    id = "E9101"
    shortdesc = "No data-service action on every resource"
    description = "IAM statements that allow actions of a data service name the resources"
    source_url = "SECURITY.md"
    tags = ["lambdo", "iam"]

    def match(self, cfn):
        matches = []
        for path, statement in statements(cfn):
            if statement.get("Effect") != "Allow":
                continue
            resources = as_list(statement.get("Resource", []))
            if "*" not in resources:
                continue
            actions = [a for a in as_list(statement.get("Action", [])) if isinstance(a, str)]
            data = [a for a in actions if a == "*" or a.split(":")[0].lower() in DATA_SERVICES]
            if data:
                message = f"{', '.join(data)} allowed on every resource (`*`): name the tables, queues or buckets"
                matches.append(RuleMatch(path + ["Resource"], message))
        return matches


class FunctionLogRetention(CloudFormationLintRule):
    id = "E9102"
    shortdesc = "Every function logs to a log group with a retention"
    description = "Each function's log group is a resource of the template with RetentionInDays"
    source_url = "SECURITY.md"
    tags = ["lambdo", "logs"]

    def match(self, cfn):
        matches = []
        groups = cfn.get_resources(["AWS::Logs::LogGroup"])
        for name, function in cfn.get_resources(["AWS::Lambda::Function"]).items():
            logging = function.get("Properties", {}).get("LoggingConfig", {})
            group = referenced(logging.get("LogGroup")) if isinstance(logging, dict) else None
            path = ["Resources", name, "Properties", "LoggingConfig"]
            if group not in groups:
                message = f"{name} logs to a log group this template does not manage (no retention): set LoggingConfig.LogGroup to one of its log groups"
                matches.append(RuleMatch(path, message))
            elif "RetentionInDays" not in groups[group].get("Properties", {}):
                message = f"{name}'s log group {group} keeps its logs forever: set RetentionInDays"
                matches.append(RuleMatch(["Resources", group, "Properties"], message))
        return matches


class BatchSourcesLoseNothing(CloudFormationLintRule):
    id = "E9103"
    shortdesc = "Batch sources report item failures and keep failed records"
    description = "SQS, Kinesis and DynamoDB Streams mappings report item failures and have a DLQ or on-failure destination"
    source_url = "SECURITY.md"
    tags = ["lambdo", "lambda"]

    def match(self, cfn):
        matches = []
        resources = cfn.get_resources()
        for name, mapping in cfn.get_resources(["AWS::Lambda::EventSourceMapping"]).items():
            properties = mapping.get("Properties", {})
            path = ["Resources", name, "Properties"]
            source = referenced(properties.get("EventSourceArn"))
            kind = resources.get(source, {}).get("Type")
            if kind not in BATCH_SOURCES:
                continue
            if "ReportBatchItemFailures" not in as_list(properties.get("FunctionResponseTypes", [])):
                message = f"{name} does not report batch item failures: one failed record redelivers the whole batch"
                matches.append(RuleMatch(path, message))
            if kind == "AWS::SQS::Queue":
                redrive = resources[source].get("Properties", {}).get("RedrivePolicy", {})
                if not isinstance(redrive, dict) or "deadLetterTargetArn" not in redrive:
                    message = f"queue {source} has no dead-letter queue: a message that always fails is retried until it expires"
                    matches.append(RuleMatch(["Resources", source, "Properties"], message))
            else:
                destination = properties.get("DestinationConfig", {}).get("OnFailure", {})
                if not isinstance(destination, dict) or "Destination" not in destination:
                    message = f"{name} has no on-failure destination: records that fail every retry are dropped"
                    matches.append(RuleMatch(path, message))
        return matches
