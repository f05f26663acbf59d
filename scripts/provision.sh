#!/usr/bin/env bash
# Makes this Debian 12 machine ready to run Strand's test suite: installs the missing Debian packages
# (Docker Engine from docker.io, PostgreSQL 15, Chromium, Xvfb and xclip, iptables, git, ca-certificates, curl), then
# starts Docker Engine and PostgreSQL and sets up the `strand` database role. It assumes nothing is
# running (CI starts from a fresh machine with no services), is idempotent, and takes well under a
# second when everything is already in place.
#
# Usage: scripts/provision.sh [--no-docker] [--no-postgres] [--no-chromium]
#   (the user-facing installer only needs Docker: install.sh passes --no-postgres --no-chromium)
set -euo pipefail

want_docker=1 want_postgres=1 want_chromium=1
for arg in "$@"; do
  case $arg in
    --no-docker) want_docker=0 ;;
    --no-postgres) want_postgres=0 ;;
    --no-chromium) want_chromium=0 ;;
    -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "provision: unknown option '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

if ((EUID != 0)); then
  if command -v sudo >/dev/null; then
    exec sudo -- "${BASH:-bash}" "$(readlink -f -- "$0")" "$@"
  fi
  echo "provision: must run as root (it installs packages and starts dockerd and PostgreSQL), and sudo is not available" >&2
  exit 1
fi

# dockerd, runuser and friends live in sbin, which a root shell reached through `su` may lack.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

# Two runs at once (say, two test runs) must not both start a dockerd or create the same role, so
# the rest runs under a lock. flock -o holds it in flock's own process and does not pass it on: a lock
# fd inherited by the daemons started below would stay held for as long as they run.
# (A version of this script that lacked -o left daemons holding /run/strand-provision.lock, hence the
# new name.)
LOCK_FILE=/run/strand-provision-v2.lock
if [[ ${STRAND_PROVISION_LOCKED:-} != 1 ]]; then
  rc=0
  STRAND_PROVISION_LOCKED=1 flock -o -w 300 -E 75 "$LOCK_FILE" \
    "${BASH:-bash}" "$(readlink -f -- "$0")" "$@" || rc=$?
  ((rc != 75)) || echo "provision: error: another provision run has held $LOCK_FILE for 5 minutes" >&2
  exit "$rc"
fi

readonly PG_VERSION=15 PG_PORT=5432
readonly APT_LOG=/var/log/strand-provision-apt.log
readonly DOCKERD_LOG=/var/log/strand-dockerd.log DOCKERD_PIDFILE=/var/run/docker.pid
readonly TEST_DATABASE_URL="postgres://strand:strand@127.0.0.1:$PG_PORT/postgres"

# --- helpers -----------------------------------------------------------------------------------
# Microseconds since the epoch without forking; stripping non-digits also copes with locales whose
# decimal separator is a comma.
now_us() { local t=${EPOCHREALTIME//[!0-9]/}; echo "$t"; }
fmt_since() { # $1 = start in µs -> "12 ms" or "3.4 s"
  local d=$((($(now_us) - $1) / 1000))
  if ((d < 1000)); then echo "$d ms"; else echo "$((d / 1000)).$((d % 1000 / 100)) s"; fi
}
run_start=$(now_us)
step_start=$run_start
begin() { step_start=$(now_us); }
say() { echo "provision: $* ($(fmt_since "$step_start"))"; }
die() { echo "provision: error: $*" >&2; exit 1; }

# wait_for SECONDS COMMAND...: retries COMMAND every 0.2 s until it succeeds or SECONDS pass.
wait_for() {
  local deadline=$(($(now_us) + $1 * 1000000))
  shift
  until "$@"; do
    (($(now_us) < deadline)) || return 1
    sleep 0.2
  done
}

# True only when systemd really is PID 1 (the same test as sd_booted()); on CI and in containers the
# systemd package may be installed without running, and then systemctl cannot start anything.
systemd_is_init() {
  local comm=
  [[ -d /run/systemd/system ]] && read -r comm </proc/1/comm && [[ $comm == systemd ]]
}

# --- 1. Debian packages --------------------------------------------------------------------------
begin
packages=(ca-certificates curl git iptables)
((want_docker)) && packages+=(docker.io debootstrap) # debootstrap builds the sandbox images' Debian base
((want_postgres)) && packages+=(postgresql) # Debian 12's postgresql is PostgreSQL 15
((want_chromium)) && packages+=(chromium)   # /usr/bin/chromium, for the headless browser tests
((want_chromium)) && packages+=(ffmpeg)     # ffmpeg/ffprobe check that captured H.264 decodes (tests only, like chromium)
# A private X server, the X clipboard tool and xsetroot for agentd's input and thumbnail tests
# (test-only, like chromium).
((want_chromium)) && packages+=(xvfb xclip x11-xserver-utils)
# qpdf encrypts a generated PDF for the knowledge extraction tests (test-only, like chromium).
((want_chromium)) && packages+=(qpdf)

# One dpkg-query for all of them; a package dpkg has never seen is simply absent from the output.
status=$'\n'$(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null || true)$'\n'
missing=()
for p in "${packages[@]}"; do
  [[ $status == *$'\n'"$p install ok installed"$'\n'* ]] && continue
  # Any Docker Engine will do (say, docker-ce's, which conflicts with docker.io), but a bare client
  # such as /usr/local/bin/docker is not one: look for dockerd, not docker.
  [[ $p == docker.io ]] && command -v dockerd >/dev/null && continue
  missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  say "packages: ${packages[*]} already installed"
else
  echo "provision: packages: installing ${missing[*]} (apt output in $APT_LOG)"
  export DEBIAN_FRONTEND=noninteractive
  # Wait for, rather than fail on, a dpkg lock held by another apt run (unattended upgrades, a person).
  apt_opts=(-q -o DPkg::Lock::Timeout=300)
  # Recommends would add e.g. apparmor, needrestart and desktop bits for chromium; none are needed
  # here (fontconfig already pulls in a font, and headless tests run chromium with --no-sandbox).
  if ! { apt-get "${apt_opts[@]}" update && apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}"; } \
    >"$APT_LOG" 2>&1 </dev/null; then
    echo "provision: error: apt-get failed; last lines of $APT_LOG:" >&2
    tail -n 30 "$APT_LOG" >&2
    exit 1
  fi
  say "packages: installed ${missing[*]}"
fi

# --- 2. Docker Engine -----------------------------------------------------------------------------
# The pid of the dockerd that owns the default pidfile, if it is alive. (Scanning /proc for any
# "dockerd" would also find ones running inside containers, which are not ours.)
dockerd_pid() {
  local pid comm
  read -r pid 2>/dev/null <"$DOCKERD_PIDFILE" || return 1
  read -r comm 2>/dev/null <"/proc/$pid/comm" || return 1
  [[ $comm == dockerd ]] && echo "$pid"
}
docker_info() { docker info -f '{{.ServerVersion}}, storage driver {{.Driver}}' 2>/dev/null; }

docker_failed() {
  echo "provision: error: Docker Engine $1" >&2
  if systemd_is_init; then
    journalctl -u docker --no-pager -n 30 >&2 || true
  else
    echo "provision: last lines of $DOCKERD_LOG:" >&2
    tail -n 30 "$DOCKERD_LOG" >&2 || true
    # Debian 12's iptables is the nftables flavour; a kernel without nf_tables needs the legacy one.
    if grep -qi iptables "$DOCKERD_LOG" 2>/dev/null; then
      echo "provision: if iptables is what failed, try: update-alternatives --set iptables /usr/sbin/iptables-legacy" >&2
    fi
  fi
  exit 1
}

if ((want_docker)); then
  begin
  if info=$(docker_info); then
    say "docker: Docker Engine $info already running"
  else
    if systemd_is_init; then
      systemctl start docker || docker_failed "failed to start (systemctl start docker)"
      how="started docker.service"
    elif pid=$(dockerd_pid); then
      # Still starting (e.g. the package's init script just launched it): wait for it, never start
      # a second one.
      how="waited for dockerd (pid $pid)"
    else
      # dockerd refuses to start while its pidfile names a live process, even if that process is
      # something else that got a recycled pid, so drop a stale pidfile.
      rm -f "$DOCKERD_PIDFILE"
      # setsid puts dockerd in its own session and process group, so it survives this script and
      # is not killed along with the CI step or the terminal that ran us; its output goes to a log
      # file, not our stdout, so nothing waits on a pipe it keeps open. (Debian's dockerd starts its
      # own containerd when none is running, so containerd needs no separate start.)
      setsid -f dockerd >"$DOCKERD_LOG" 2>&1 </dev/null
      how="started dockerd, logging to $DOCKERD_LOG"
    fi
    deadline=$(($(now_us) + 30000000))
    until info=$(docker_info); do
      (($(now_us) < deadline)) || docker_failed "did not answer \`docker info\` within 30 s"
      # Fail fast rather than wait out the deadline when dockerd has already died (give it 3 s to
      # get as far as writing its pidfile).
      if ! systemd_is_init && ! dockerd_pid >/dev/null && (($(now_us) - step_start > 3000000)); then
        docker_failed "exited during startup"
      fi
      sleep 0.2
    done
    say "docker: $how: Docker Engine $info"
  fi
fi

# --- 3. PostgreSQL 15 --------------------------------------------------------------------------------
pg_ready() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; }
# The same login the tests use: password auth over TCP to 127.0.0.1 (scram, per Debian's pg_hba).
strand_login_ok() {
  [[ $(PGPASSWORD=strand PGCONNECT_TIMEOUT=5 psql -X -tA -h 127.0.0.1 -p "$PG_PORT" -U strand -d postgres \
    -c 'select rolsuper from pg_roles where rolname = current_user' 2>/dev/null) == t ]]
}

if ((want_postgres)); then
  begin
  [[ -x /usr/lib/postgresql/$PG_VERSION/bin/postgres ]] ||
    die "PostgreSQL $PG_VERSION is not installed (/usr/lib/postgresql/$PG_VERSION/bin/postgres is missing)"
  if pg_ready; then
    say "postgres: PostgreSQL already accepting connections on 127.0.0.1:$PG_PORT"
  else
    # pg_lsclusters -h prints "version cluster port status owner datadir logfile".
    port='' cluster_status=''
    read -r _ _ port cluster_status _ < <(pg_lsclusters -h "$PG_VERSION" main 2>/dev/null) || true
    how="started cluster $PG_VERSION/main"
    if [[ -z $port ]]; then
      # The package creates this cluster on install, but not if the locale was broken at the time, or
      # if someone dropped it. C.UTF-8 always exists on Debian and gives UTF8-encoded databases
      # (a plain C locale would give SQL_ASCII).
      pg_createcluster --locale C.UTF-8 --port "$PG_PORT" "$PG_VERSION" main >/dev/null
      port=$PG_PORT cluster_status=down
      how="created and started cluster $PG_VERSION/main"
    fi
    [[ $port == "$PG_PORT" ]] ||
      die "cluster $PG_VERSION/main is set up for port $port, not $PG_PORT (see pg_lsclusters; pg_conftool $PG_VERSION main set port $PG_PORT)"
    if [[ $cluster_status == online* ]]; then
      how="waited for cluster $PG_VERSION/main to accept connections"
    else
      # Without systemd this runs pg_ctl directly; under systemd it starts postgresql@15-main.
      pg_ctlcluster "$PG_VERSION" main start
    fi
    if ! wait_for 30 pg_ready; then
      echo "provision: error: PostgreSQL $PG_VERSION did not accept connections on 127.0.0.1:$PG_PORT within 30 s; last lines of its log:" >&2
      tail -n 30 "/var/log/postgresql/postgresql-$PG_VERSION-main.log" >&2 || true
      exit 1
    fi
    say "postgres: $how on 127.0.0.1:$PG_PORT"
  fi

  # Tests create and drop throwaway databases, so the test role is a superuser of this local cluster.
  begin
  if strand_login_ok; then
    say "postgres: role strand already logs in over TCP as superuser"
  else
    # As the postgres superuser over the Unix socket (peer auth); cd / so psql does not warn that
    # postgres cannot read the caller's working directory.
    (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT") <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'strand') THEN CREATE ROLE strand; END IF;
END $$;
ALTER ROLE strand LOGIN SUPERUSER PASSWORD 'strand';
SQL
    strand_login_ok ||
      die "role strand exists but cannot log in with its password over TCP to 127.0.0.1:$PG_PORT; check /etc/postgresql/$PG_VERSION/main/pg_hba.conf"
    say "postgres: set up role strand (login, superuser, password strand)"
  fi
fi

step_start=$run_start
say "ready"
if ((want_postgres)); then
  echo "provision: STRAND_TEST_DATABASE_URL=$TEST_DATABASE_URL"
fi
