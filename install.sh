#!/usr/bin/env bash
# Installs what Strand needs on Debian 12 and starts it: server + embedded database (+ local sandbox
# node once Docker is up) on http://localhost:8080. Safe to run again; a second run is fast.
#
# Usage: ./install.sh [--service | --no-start] [-- server options]
#   (no flag)   run the server in the foreground (Ctrl+C stops it); data in ./data
#   --service   install and (re)start the systemd unit `strand` instead; settings in
#               /etc/strand/strand.env (created on the first install only), data in /var/lib/strand.
#               Without systemd as PID 1 it says so and runs in the foreground.
#   --no-start  install and build only, start nothing
#   -h, --help  this text
# Other arguments go to `strand server` in the foreground, e.g. ./install.sh --port 9090
set -euo pipefail
cd "$(dirname "$0")"
readonly ENV_FILE=/etc/strand/strand.env UNIT_FILE=/etc/systemd/system/strand.service

mode=foreground
server_args=()
while (($#)); do
  case $1 in
    --service) mode=service ;;
    --no-start) mode=none ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    --) shift; server_args+=("$@"); break ;;
    *) server_args+=("$1") ;;
  esac
  shift
done
if [[ $mode == service && ${#server_args[@]} -gt 0 ]]; then
  echo "install: --service takes no server options (${server_args[*]}); set them in $ENV_FILE instead" >&2
  exit 2
fi

say() { echo "install: $*"; }
systemd_is_init() {
  local comm=
  [[ -d /run/systemd/system ]] && read -r comm </proc/1/comm && [[ $comm == systemd ]]
}
if [[ $mode == service ]] && ! systemd_is_init; then
  say "--service: systemd is not PID 1 on this machine (a container or CI?), so no service can be installed;"
  say "running in the foreground instead"
  mode=foreground
fi

bash scripts/provision.sh --no-postgres --no-chromium
bash scripts/ensure-deps.sh
npm run build --silent
# The default desktop image: minutes the first time, instant when images/ has not changed.
node_modules/.bin/strand images build --desktop xfce

gpu=$(bash scripts/detect-gpu.sh)
encoder=${gpu%%:*}
say "GPU stream encoding: $gpu"

if [[ $mode == none ]]; then
  say "installed; start with ./install.sh (foreground) or ./install.sh --service"
  exit 0
fi

if [[ $mode == foreground ]]; then
  if [[ $encoder == nvenc && -z ${STRAND_STREAM_ENCODER:-} ]]; then
    export STRAND_STREAM_ENCODER=nvenc
    say "STRAND_STREAM_ENCODER=nvenc (sessions encode on the GPU)"
  fi
  say "starting Strand (Ctrl+C stops it). On the very first start it prints the admin's email and a"
  say "generated password ONCE, in the block below that begins 'First start'; keep them."
  exec node_modules/.bin/strand server "${server_args[@]}"
fi

# --- service ---------------------------------------------------------------------------------------
if [[ -e $ENV_FILE ]]; then
  say "keeping $ENV_FILE as it is"
  if [[ $encoder == nvenc ]] && ! grep -q '^STRAND_STREAM_ENCODER=' "$ENV_FILE"; then
    say "to encode streams on the GPU, add STRAND_STREAM_ENCODER=nvenc to $ENV_FILE"
  fi
else
  install -d -m 0700 "$(dirname "$ENV_FILE")"
  secret=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
  (
    umask 077
    sed -e "s|^#STRAND_SECRET=.*|STRAND_SECRET=$secret|" deploy/strand.env.example >"$ENV_FILE.tmp"
    if [[ $encoder == nvenc ]]; then
      sed -i 's|^#STRAND_STREAM_ENCODER=.*|STRAND_STREAM_ENCODER=nvenc|' "$ENV_FILE.tmp"
    fi
    mv "$ENV_FILE.tmp" "$ENV_FILE"
  )
  say "wrote $ENV_FILE (generated STRAND_SECRET; back it up with the data dir)"
  if [[ $encoder == nvenc ]]; then say "set STRAND_STREAM_ENCODER=nvenc in $ENV_FILE"; fi
fi

dir=$(pwd -P)
# The unit's PATH gets node's directory when node lives elsewhere (say, under /usr/local or nvm).
node_dir=$(dirname "$(command -v node)")
unit=$(sed -e "s|/opt/strand|$dir|g" deploy/strand.service)
unit_path=$(sed -n 's/^Environment=PATH=//p' <<<"$unit")
if [[ ":$unit_path:" != *":$node_dir:"* ]]; then
  unit=$(sed -e "s|^Environment=PATH=|Environment=PATH=$node_dir:|" <<<"$unit")
fi
if [[ ! -f $UNIT_FILE || $(cat "$UNIT_FILE") != "$unit" ]]; then
  printf '%s\n' "$unit" >"$UNIT_FILE"
  systemctl daemon-reload
  say "installed $UNIT_FILE"
fi
systemctl enable --quiet strand
started=$(date +%s)
# restart, not start: a rerun after `git pull` is how Strand is upgraded.
systemctl restart strand

port=$(set -a; . "$ENV_FILE"; echo "${PORT:-8080}")
url="http://localhost:$port"
journal() { journalctl -u strand --no-pager -o cat --since "@$started" 2>/dev/null || true; }
# The server prints its welcome (URL, and on the first start the admin's password) once it listens.
for _ in $(seq 1 120); do
  [[ $(journal) == *"Strand is running"* ]] && break
  systemctl is-failed --quiet strand && break
  sleep 0.5
done
if [[ $(journal) != *"Strand is running"* ]]; then
  echo "install: error: strand.service did not come up within 60 s; its last log lines:" >&2
  journalctl -u strand --no-pager -n 30 >&2 || true
  exit 1
fi
welcome=$(journal | grep -E '^(Strand is running|First start|  email:|  password:|  API token:|Log in from)' || true)
echo
say "Strand runs as the systemd service strand (systemctl status strand; journalctl -u strand)"
say "open $url"
if [[ $welcome == *"First start"* ]]; then
  echo "------------------------------------------------------------------------"
  printf '%s\n' "$welcome"
  echo "------------------------------------------------------------------------"
  say "the password above is shown only this once; keep it somewhere safe"
else
  say "log in with the admin account created on the first start (its password was printed then)"
fi
