#!/bin/bash
# Starts the X11 desktop, the IDE on the workspace, then strand-agentd (which the node copies to
# /opt/strand/agentd.mjs before the container starts). agentd is the main process: when it
# connects back to the server, the session is ready.
set -u
W=${STRAND_SCREEN_WIDTH:-1280} H=${STRAND_SCREEN_HEIGHT:-720}
# IDE and agent state live under the workspace so they persist with it.
mkdir -p "$HOME/work/.strand/config" && ln -sfn "$HOME/work/.strand/config" "$HOME/.config"
# People watch the agent's edits: Geany reloads a file changed on disk (the agent opens it again
# after each edit) instead of asking, unless the user has unsaved changes in it.
if [ ! -f "$HOME/.config/geany/geany.conf" ]; then
  mkdir -p "$HOME/.config/geany"
  printf '[geany]\nreload_clean_doc_on_file_change=true\nshow_keep_edit_history_on_reload_msg=false\n' >"$HOME/.config/geany/geany.conf"
fi

# Xvfb's RandR can shrink the screen but never grow it past the size Xvfb started with, so it
# starts at the largest size a viewer may ask for (agentd's input resize) and is set to the
# session's size at once. The frame buffer is allocated at the maximum: 2560x1440 costs ~11 MB
# more resident memory than 1280x720.
MAXW=${STRAND_SCREEN_MAX_WIDTH:-2560} MAXH=${STRAND_SCREEN_MAX_HEIGHT:-1440}
((W > MAXW)) && MAXW=$W
((H > MAXH)) && MAXH=$H
Xvfb "$DISPLAY" -screen 0 "${MAXW}x${MAXH}x24" -nolisten tcp -noreset >/tmp/xvfb.log 2>&1 &
for _ in $(seq 1 100); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.05; done
if ((W != MAXW || H != MAXH)); then
  xrandr --newmode "${W}x${H}" 0 "$W" 0 0 0 "$H" 0 0 0 && xrandr --addmode screen "${W}x${H}" &&
    xrandr --output screen --mode "${W}x${H}" --fb "${W}x${H}" || echo "start-desktop: could not set ${W}x${H}" >&2
fi

dbus-launch --exit-with-session startxfce4 >/tmp/xfce.log 2>&1 &
(sleep 1; exec geany "$HOME/work" >/tmp/ide.log 2>&1) &

exec node /opt/strand/agentd.mjs
