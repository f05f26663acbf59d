#!/bin/bash
# Starts headless Sway (software rendering, no GPU, no input devices) as the agent user, then
# strand-agentd once the compositor answers. agentd is the main process, as on XFCE.
set -u
mkdir -p "$HOME/work/.strand/config" && ln -sfn "$HOME/work/.strand/config" "$HOME/.config"
export XDG_RUNTIME_DIR=/tmp/runtime-agent
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
export WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 WLR_HEADLESS_OUTPUTS=1
sway --config /etc/strand/sway.conf >/tmp/sway.log 2>&1 &
for _ in $(seq 1 100); do
  SWAYSOCK=$(ls "$XDG_RUNTIME_DIR"/sway-ipc.* 2>/dev/null | head -n 1)
  [ -n "$SWAYSOCK" ] && swaymsg -s "$SWAYSOCK" -t get_outputs >/dev/null 2>&1 && break
  sleep 0.05
done
export SWAYSOCK WAYLAND_DISPLAY=wayland-1
exec node /opt/strand/agentd.mjs
