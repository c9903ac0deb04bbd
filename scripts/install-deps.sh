#!/usr/bin/env bash
# Installs what the tests and the demo need: the Debian ZooKeeper server
# package (3.8) and a Java runtime. Idempotent; non-interactive.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: not root and no sudo; install the 'zookeeper' package by hand" >&2; exit 1
  fi
fi

if [ -f /usr/share/java/zookeeper.jar ] && command -v java >/dev/null 2>&1; then
  echo "install-deps: ZooKeeper and java already installed"
  exit 0
fi

echo "install-deps: installing the Debian zookeeper package"
$SUDO apt-get update -q
$SUDO apt-get install -y -q zookeeper
if ! command -v java >/dev/null 2>&1; then
  $SUDO apt-get install -y -q default-jre-headless
fi
test -f /usr/share/java/zookeeper.jar
echo "install-deps: done ($(java -version 2>&1 | head -1))"
