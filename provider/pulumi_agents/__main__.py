from pulumi_agents.cli import app

app()
