"""`cargo lambda deploy` and `sam deploy` must make the same function.

Each function of template.yaml that SAM builds with cargo-lambda (`BuildMethod:
rust-cargolambda`) has its settings in its package's `[package.metadata.lambda]` too,
which `cargo lambda build` and `cargo lambda deploy` read: the architecture
(`build.arm64`), memory, timeout, X-Ray tracing, log retention and the environment
variables whose values the template states (those naming the stack's resources, such
as a table's name, cannot be known outside the stack: the deploy command passes them).
This checks that the two agree, then deploys one example with the real `cargo lambda
deploy` to moto's Lambda API and checks what was deployed.

Run by scripts/test.sh:

    python tests/deploy/check.py template.yaml --deploy order-worker --endpoint URL

(`--endpoint`: a moto server; without `--deploy`, only the comparison runs.)
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from cfnlint.decode import decode_str

ROOT = Path(__file__).resolve().parents[2]


def fail(message):
    print(f"deploy check: {message}", file=sys.stderr)
    sys.exit(1)


def template_functions(template):
    """Each cargo-lambda built function's settings, by binary name, as the template
    deploys them (the Globals under each function's own properties)."""
    globals_ = template.get("Globals", {}).get("Function", {})
    resources = template["Resources"]
    functions = {}
    for name, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        metadata = resource.get("Metadata", {})
        if metadata.get("BuildMethod") != "rust-cargolambda":
            continue
        properties = {**globals_, **resource.get("Properties", {})}
        variables = properties.get("Environment", {}).get("Variables", {})
        log_group = properties.get("LoggingConfig", {}).get("LogGroup", {}).get("Ref")
        retention = resources.get(log_group, {}).get("Properties", {}).get("RetentionInDays")
        functions[metadata["BuildProperties"]["Binary"]] = {
            "resource": name,
            "architecture": properties.get("Architectures", ["x86_64"])[0],
            "memory": properties.get("MemorySize", 128),
            "timeout": properties.get("Timeout", 3),
            "tracing": properties.get("Tracing", "PassThrough"),
            "log_retention": retention,
            # Literal values only: `!Ref` and `!Sub` values are the stack's to give.
            "env": {key: value for key, value in variables.items() if isinstance(value, (str, int))},
            "stack_env": sorted(key for key, value in variables.items() if isinstance(value, dict)),
        }
    return functions


def package_settings():
    """Each workspace binary's `[package.metadata.lambda]`, by binary name."""
    metadata = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--no-deps", "--format-version", "1", "--locked"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    settings = {}
    for package in metadata["packages"]:
        lambda_ = (package.get("metadata") or {}).get("lambda", {})
        for target in package["targets"]:
            if "bin" in target["kind"]:
                settings[target["name"]] = (package["name"], lambda_)
    return settings


def compare(functions, packages):
    problems = []
    for binary, expected in sorted(functions.items()):
        if binary not in packages:
            problems.append(f"{binary}: no workspace binary of that name")
            continue
        before = len(problems)
        package, lambda_ = packages[binary]
        build, deploy = lambda_.get("build", {}), lambda_.get("deploy", {})
        where = f"{binary} ({package}'s [package.metadata.lambda])"
        architecture = "arm64" if build.get("arm64") else "x86_64"
        found = {
            "architecture": architecture,
            "memory": deploy.get("memory"),
            "timeout": deploy.get("timeout"),
            "tracing": str(deploy.get("tracing", "passthrough")).lower(),
            "log_retention": deploy.get("log_retention"),
            "env": {key: str(value) for key, value in deploy.get("env", {}).items()},
        }
        wanted = {
            **{key: expected[key] for key in ("architecture", "memory", "timeout", "log_retention")},
            "tracing": expected["tracing"].lower(),
            "env": {key: str(value) for key, value in expected["env"].items()},
        }
        for key, value in wanted.items():
            if found[key] != value:
                problems.append(f"{where}: {key} is {found[key]!r}, template.yaml says {value!r}")
        for key in expected["stack_env"]:
            if key in found["env"]:
                problems.append(f"{where}: env {key} names a stack resource in template.yaml; leave it to the deploy command")
        stack = ", ".join(expected["stack_env"]) or "none"
        if len(problems) == before:
            print(f"ok: {binary} deploys as template.yaml's {expected['resource']} (variables from the stack: {stack})")
    if problems:
        fail("\n  ".join(["cargo lambda and SAM would deploy different functions:"] + problems))


def aws(service, endpoint):
    import boto3

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=os.environ.get("AWS_DEFAULT_REGION", "eu-central-1"),
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def deploy(binary, expected, endpoint):
    """`cargo lambda build` and `cargo lambda deploy` of `binary` to moto, then what
    moto holds checked against the template's settings."""
    iam = aws("iam", endpoint)
    role_name = f"{binary}-deploy-check-{int(time.time())}"
    role = iam.create_role(
        RoleName=role_name,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": os.environ.get("AWS_DEFAULT_REGION", "eu-central-1"),
    }
    # A first deploy (an update keeps the architecture a function was created with).
    functions = aws("lambda", endpoint)
    try:
        functions.delete_function(FunctionName=binary)
    except functions.exceptions.ResourceNotFoundException:
        pass
    started = time.monotonic()
    for command in (
        ["cargo", "lambda", "build", "--release", "--locked", "--package", binary],
        ["cargo", "lambda", "deploy", "--iam-role", role, "--output-format", "json", binary],
    ):
        run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
        if run.returncode != 0:
            fail(f"`{' '.join(command)}` failed:\n{run.stderr[-3000:]}")
    print(f"ok: cargo lambda build + deploy of {binary} in {time.monotonic() - started:.0f} s")

    config = functions.get_function_configuration(FunctionName=binary)
    deployed = {
        "architecture": config["Architectures"][0],
        "memory": config["MemorySize"],
        "timeout": config["Timeout"],
        "tracing": config["TracingConfig"]["Mode"],
        "runtime": config["Runtime"],
        "env": config.get("Environment", {}).get("Variables", {}),
    }
    wanted = {
        "architecture": expected["architecture"],
        "memory": expected["memory"],
        "timeout": expected["timeout"],
        "tracing": expected["tracing"],
        "runtime": "provided.al2023",
        "env": {key: str(value) for key, value in expected["env"].items()},
    }
    if deployed != wanted:
        fail(f"cargo lambda deployed {binary} as {deployed}, template.yaml says {wanted}")
    groups = aws("logs", endpoint).describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{binary}")["logGroups"]
    retention = [group.get("retentionInDays") for group in groups if group["logGroupName"] == f"/aws/lambda/{binary}"]
    if retention != [expected["log_retention"]]:
        fail(f"{binary}'s log group keeps logs {retention} days, template.yaml says {expected['log_retention']}")
    print(f"ok: moto holds {binary} as template.yaml deploys it: {deployed}, logs kept {retention[0]} days")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("template")
    parser.add_argument("--deploy", help="the binary to deploy to --endpoint")
    parser.add_argument("--endpoint", help="a moto server's URL")
    args = parser.parse_args()
    template = decode_str(Path(args.template).read_text())[0]
    if template is None:
        fail(f"{args.template} does not parse")
    functions = template_functions(template)
    if not functions:
        fail("template.yaml builds no function with cargo-lambda")
    compare(functions, package_settings())
    if args.deploy:
        if not args.endpoint:
            fail("--deploy needs --endpoint")
        deploy(args.deploy, functions[args.deploy], args.endpoint)


if __name__ == "__main__":
    main()
