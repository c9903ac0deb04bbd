#!/usr/bin/env bash
# Installs what the tests and the demo need: the Debian package "zookeeper"
# (server 3.8, /usr/share/java/zookeeper.jar; it brings a Java runtime).
# Idempotent: does nothing when both are there. Non-interactive: runs as
# root with no standard input (CI), or through sudo.
#
# Package zktest finds the server here; ZOOKEEPER_JAR or ZKTEST_CLASSPATH
# point it at another install (then this script has nothing to do for it).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

JAR=/usr/share/java/zookeeper.jar

java_bin() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    echo "$JAVA_HOME/bin/java"
  else
    command -v java || true
  fi
}

report() {
  echo "install-deps: ZooKeeper: $JAR"
  echo "install-deps: java: $(java_bin) ($("$(java_bin)" -version 2>&1 | head -n 1))"
}

pkgs=()
[ -f "$JAR" ] || pkgs+=(zookeeper)
[ -n "$(java_bin)" ] || pkgs+=(default-jre-headless)
command -v tmux >/dev/null 2>&1 || pkgs+=(tmux) # zkcli's terminal tests
if [ "${#pkgs[@]}" -eq 0 ]; then
  echo "install-deps: nothing to install"
  report
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: need ${pkgs[*]} but there is no apt-get here: install ZooKeeper 3.8 and Java 17" >&2
  echo "install-deps: yourself, and set ZOOKEEPER_JAR (or ZKTEST_CLASSPATH) and JAVA_HOME" >&2
  exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-deps: need ${pkgs[*]}, but this is not root and there is no sudo:" >&2
    echo "install-deps: run as root: apt-get install zookeeper" >&2
    exit 1
  fi
  # Without a terminal a password prompt would hang: fail instead.
  if [ -t 0 ]; then SUDO=(sudo); else SUDO=(sudo -n); fi
fi

echo "install-deps: installing ${pkgs[*]} with apt-get"
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${pkgs[@]}"

if [ ! -f "$JAR" ] || [ -z "$(java_bin)" ]; then
  echo "install-deps: installed ${pkgs[*]}, but $JAR or java is still missing" >&2
  exit 1
fi
echo "install-deps: installed ${pkgs[*]}"
report
