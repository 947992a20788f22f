"""The same resources, served by real Pulumi provider plugins instead of dynamic providers.

A program moves between the two by changing an import::

    from pulumi_agents import agentrun            # dynamic resources: nothing to install but the package
    from pulumi_agents.plugin import agentrun     # the provider plugin pulumi-resource-agentrun

The classes take the same arguments and give the same outputs. The plugins (installed as
console scripts with this package: ``pulumi-resource-agentrun``, ``-qoder``, ``-aiae``) add
import by id, detailed diffs, config read fresh on every run, partial failures that keep the id,
and no 4-call ceiling; the engine finds them on ``PATH`` once the virtualenv is active.
"""
