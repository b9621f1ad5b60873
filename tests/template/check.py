"""template.yaml as CloudFormation deploys it, checked by lambdo's cfn-lint rules
(.cfnlint/rules/lambdo_template.py): the SAM transform is run by SAM's own translator
(cfn-lint validates SAM templates untransformed, where policies and event sources are
still shorthand), then cfn-lint lints the result with the rules appended.

Run by scripts/test.sh: `python tests/template/check.py template.yaml`. It also checks
that each rule catches what it guards, on copies of the template with one guard
removed, so a rule that stops matching fails the suite.
"""

import copy
import json
import logging
import os
import sys
from pathlib import Path

from cfnlint.api import ManualArgs, lint
from cfnlint.decode import decode_str
from samtranslator.translator.managed_policy_translator import ManagedPolicyLoader
from samtranslator.translator.transform import transform

RULES = str(Path(__file__).resolve().parents[2] / ".cfnlint" / "rules")


class NoManagedPolicyNames(ManagedPolicyLoader):
    """The template names managed policies by ARN only: no IAM lookup is needed (one
    by name would fail the translation, which is what this check wants)."""

    def __init__(self):
        super().__init__(iam_client=None)

    def load(self):
        return {}


def translated(template):
    """The CloudFormation template SAM deploys for `template`: as `sam package` does,
    each function's local code becomes an S3 object first."""
    packaged = copy.deepcopy(template)
    for resource in packaged["Resources"].values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://packaged-code/bootstrap.zip"
    return transform(packaged, {}, NoManagedPolicyNames())


def findings(template):
    """(rule id, message) of lambdo's rules on the translated template."""
    matches = lint(json.dumps(translated(template)), config=ManualArgs(append_rules=[RULES], regions=["eu-central-1"]))
    return [(match.rule.id, match.message) for match in matches if match.rule.id.startswith("E91")]


def mutations(template):
    """(rule id, name, template with one guard removed)."""
    statement = copy.deepcopy(template)
    statement["Resources"]["TodoApiFunction"]["Properties"]["Policies"][0]["Statement"][0]["Resource"] = "*"
    yield "E9101", "a table statement on every resource", statement

    retention = copy.deepcopy(template)
    del retention["Resources"]["TodoApiLogGroup"]["Properties"]["RetentionInDays"]
    yield "E9102", "a log group without retention", retention

    unmanaged = copy.deepcopy(template)
    del unmanaged["Resources"]["OrderWorkerFunction"]["Properties"]["LoggingConfig"]
    yield "E9102", "a function logging to a log group Lambda makes", unmanaged

    partial = copy.deepcopy(template)
    del partial["Resources"]["OrderWorkerFunction"]["Properties"]["Events"]["Orders"]["Properties"]["FunctionResponseTypes"]
    yield "E9103", "an SQS mapping without ReportBatchItemFailures", partial

    dlq = copy.deepcopy(template)
    del dlq["Resources"]["OrdersQueue"]["Properties"]["RedrivePolicy"]
    yield "E9103", "a queue without a dead-letter queue", dlq


def main(path):
    # The translator fills in pseudo parameters (the region of ARNs) from the session.
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")
    # The translator's own usage metrics, which it warns are never published.
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    template, errors = decode_str(Path(path).read_text())
    if errors:
        sys.exit(f"{path} does not parse: {errors}")
    failed = False
    found = findings(template)
    for rule, message in found:
        print(f"{path}: {rule} {message}")
        failed = True
    for rule, name, mutated in mutations(template):
        rules = {found_rule for found_rule, _ in findings(mutated)}
        if rule in rules:
            print(f"ok: {rule} catches {name}")
        else:
            print(f"{rule} misses {name} (found {sorted(rules) or 'nothing'})")
            failed = True
    if failed:
        sys.exit(1)
    print(f"{path}: lambdo's template rules pass")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "template.yaml")
