#!/bin/bash
# Starts the X11 desktop, the IDE on the workspace, then strand-agentd (which the node copies to
# /opt/strand/agentd.mjs before the container starts). agentd is the main process: when it
# connects back to the server, the session is ready.
set -u
W=${STRAND_SCREEN_WIDTH:-1280} H=${STRAND_SCREEN_HEIGHT:-720}
# IDE and agent state live under the workspace so they persist with it.
mkdir -p "$HOME/work/.strand/config" && ln -sfn "$HOME/work/.strand/config" "$HOME/.config"

Xvfb "$DISPLAY" -screen 0 "${W}x${H}x24" -nolisten tcp -noreset >/tmp/xvfb.log 2>&1 &
for _ in $(seq 1 100); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.05; done

dbus-launch --exit-with-session startxfce4 >/tmp/xfce.log 2>&1 &
(sleep 1; exec geany "$HOME/work" >/tmp/ide.log 2>&1) &

exec node /opt/strand/agentd.mjs
