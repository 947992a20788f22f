"""Example runtime configurations (wire names) shared by the tests."""

from __future__ import annotations

import copy
from typing import Any

CODE_RUNTIME: dict[str, Any] = {
    "agentRuntimeName": "support-bot",
    "artifactType": "Code",
    "cpu": 2,
    "memory": 2048,
    "port": 8080,
    "networkConfiguration": {"networkMode": "PUBLIC"},
    "codeConfiguration": {
        "language": "python3.12",
        "command": ["python", "main.py"],
        "ossBucketName": "my-code",
        "ossObjectName": "bot-v1.zip",
    },
    "healthCheckConfiguration": {"httpGetUrl": "/ready", "periodSeconds": 30, "timeoutSeconds": 3},
    "nasConfig": {
        "userId": 1000,
        "groupId": 1000,
        "mountPoints": [{"serverAddr": "abc-uni85.cn-hangzhou.nas.aliyuncs.com:/share", "mountDir": "/mnt/nas"}],
    },
    "ossMountConfig": {
        "mountPoints": [
            {
                "bucketName": "my-bucket",
                "bucketPath": "/data",
                "endpoint": "http://oss-cn-hangzhou.aliyuncs.com",
                "mountDir": "/mnt/oss",
                "readOnly": True,
            }
        ]
    },
    "environmentVariables": {"OPENAI_API_KEY": "sk-test-secret-value"},
}


def code_runtime(**changes: Any) -> dict[str, Any]:
    runtime = copy.deepcopy(CODE_RUNTIME)
    runtime.update(changes)
    return runtime
