"""The agents guardrails policy pack: the rules are in guardrails.py (plain functions, tested
without the engine); this file serves them to `pulumi preview|up --policy-pack`."""

from guardrails import POLICIES
from pulumi_policy import PolicyPack

PolicyPack(name="agents-guardrails", policies=POLICIES)
