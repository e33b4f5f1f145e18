"""Load test of the assistant over REST (issue 13): journeys.yml, the asyncio client, figures side by side
for the default mode and the production profile. Run: `python bench/load/run.py --help` or `make load`."""
