#!/bin/bash
# Trusted sessions start as root: bring up the session's own Docker daemon (its data on the
# session's docker-data volume), then become the agent user for the desktop. Ordinary sessions
# start as the agent user and go straight to the desktop.
set -eu
if [ "$(id -u)" = 0 ]; then
  dockerd --host=unix:///var/run/docker.sock --group=docker >/var/log/strand-dockerd.log 2>&1 &
  exec setpriv --reuid=1000 --regid=1000 --init-groups env HOME=/home/agent USER=agent /usr/local/bin/strand-start-desktop
fi
exec /usr/local/bin/strand-start-desktop
