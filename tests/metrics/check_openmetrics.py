"""Reads an OpenMetrics text exposition on stdin with the Prometheus project's Python client
(prometheus_client's strict OpenMetrics parser, a second implementation beside the Rust client
that wrote it) and prints each metric family as `name type samples`. Exits 1, naming the
problem, when the exposition is not valid OpenMetrics 1.0. Used by tests/e2e/metrics.rs."""
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families

try:
    families = list(text_string_to_metric_families(sys.stdin.read()))
except Exception as error:  # the parser raises ValueError and others on invalid input
    print(f"invalid OpenMetrics: {error}", file=sys.stderr)
    sys.exit(1)
for family in families:
    print(family.name, family.type, len(family.samples))
