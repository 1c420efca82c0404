#!/usr/bin/env bash
# Prints the paths of a Prometheus server and promtool, one per line, installing Debian's
# `prometheus` package first when neither $PROMETHEUS/$PROMTOOL nor the PATH has them.
# Fails loudly (never skips) when it cannot get them.
set -euo pipefail

prom=${PROMETHEUS:-$(command -v prometheus || true)}
tool=${PROMTOOL:-$(command -v promtool || true)}

if [ -z "$prom" ] || [ -z "$tool" ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "ensure-prometheus: no prometheus/promtool on PATH and cannot apt-get install them;" >&2
    echo "ensure-prometheus: install Debian's 'prometheus' package or set PROMETHEUS and PROMTOOL" >&2
    exit 1
  fi
  echo "ensure-prometheus: installing Debian's prometheus package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends prometheus >&2
  # The package may start a system service on :9090; the tests use their own ports.
  prom=$(command -v prometheus)
  tool=$(command -v promtool)
fi

for bin in "$prom" "$tool"; do
  [ -x "$bin" ] || { echo "ensure-prometheus: $bin is not executable" >&2; exit 1; }
done
echo "$prom"
echo "$tool"
