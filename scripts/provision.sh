#!/usr/bin/env bash
# Makes this Debian 12 machine ready to run Strand and its tests: installs missing Debian packages
# (Docker Engine from docker.io, PostgreSQL, Chromium) and starts the services. Idempotent, and fast
# when everything is already there. Flags: --no-docker --no-postgres --no-chromium.
set -euo pipefail

want_docker=1 want_postgres=1 want_chromium=1
for arg in "$@"; do
  case $arg in
    --no-docker) want_docker=0 ;;
    --no-postgres) want_postgres=0 ;;
    --no-chromium) want_chromium=0 ;;
    -h | --help) sed -n '2,4p' "$0"; exit 0 ;;
    *) echo "provision: unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done

if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then exec sudo -E bash "$0" "$@"; fi
  echo "provision: must run as root (installs packages, starts dockerd and PostgreSQL); sudo is not available" >&2
  exit 1
fi

t0=$(date +%s%N)
log() { echo "provision: $* ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"; }

# --- packages -------------------------------------------------------------------------------
packages=(ca-certificates curl git iptables)
((want_docker)) && packages+=(docker.io)
((want_postgres)) && packages+=(postgresql)
((want_chromium)) && packages+=(chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "provision: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  log "installed ${missing[*]}"
else
  log "packages already installed"
fi

# --- Docker Engine --------------------------------------------------------------------------
systemd_running() { [[ -d /run/systemd/system ]] && [[ $(ps -p 1 -o comm= 2>/dev/null) == systemd ]]; }

if ((want_docker)); then
  # /usr/local/bin/docker may be a client without an engine, so ask the engine itself.
  if docker info >/dev/null 2>&1; then
    log "Docker Engine already running"
  else
    if systemd_running; then
      systemctl start docker
    elif ! pgrep -x dockerd >/dev/null; then
      setsid nohup /usr/sbin/dockerd >/var/log/strand-dockerd.log 2>&1 </dev/null &
    fi
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    if ! docker info >/dev/null 2>&1; then
      echo "provision: Docker Engine did not come up within 30 s; last lines of its log:" >&2
      tail -n 20 /var/log/strand-dockerd.log >&2 || true
      exit 1
    fi
    log "started Docker Engine $(docker version -f '{{.Server.Version}}' 2>/dev/null)"
  fi
fi

# --- PostgreSQL -----------------------------------------------------------------------------
if ((want_postgres)); then
  ver=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    pg_lsclusters -h | awk '{print $2}' | grep -qx main || pg_createcluster "$ver" main >/dev/null
    pg_ctlcluster "$ver" main start
    for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
    pg_isready -q -h 127.0.0.1 -p 5432 || { echo "provision: PostgreSQL $ver did not start" >&2; exit 1; }
    log "started PostgreSQL $ver"
  else
    log "PostgreSQL already running"
  fi
  # Tests create and drop throwaway databases, so the test role is a superuser on this local cluster.
  if ! runuser -u postgres -- psql -tAc "select 1 from pg_roles where rolname = 'strand'" | grep -q 1; then
    runuser -u postgres -- psql -qc "create role strand login superuser password 'strand'"
    log "created PostgreSQL role strand"
  fi
  echo "provision: STRAND_TEST_DATABASE_URL=postgres://strand:strand@127.0.0.1:5432/postgres"
fi
log "done"
