# Shared helpers for the integration tests (sourced). Exit code 77 tells meson "skipped".

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

skip() {
  echo "SKIP: $*" >&2
  exit 77
}

# expect_exit CODE CMD...: runs CMD and fails unless it exits with CODE.
expect_exit() {
  local want=$1 got=0
  shift
  "$@" >/dev/null 2>&1 || got=$?
  [ "$got" = "$want" ] || fail "'$*' exited $got, expected $want"
}

expect_match() {
  [[ $1 =~ $2 ]] || fail "$3: '$1' does not match /$2/"
}

# Cleanup actions run (last registered first) when the test exits, however it exits.
KC_ON_EXIT=()
on_exit() { KC_ON_EXIT=("$1" "${KC_ON_EXIT[@]}"); }
run_on_exit() {
  local action
  for action in "${KC_ON_EXIT[@]}"; do eval "$action" || true; done
}
trap run_on_exit EXIT

# A scratch directory for this test, removed at exit: $SCRATCH.
SCRATCH=$(mktemp -d /tmp/kc-it-XXXXXX)
on_exit "rm -rf '$SCRATCH'"

# wait_for DESCRIPTION SECONDS CMD...: polls CMD until it succeeds.
wait_for() {
  local what=$1 secs=$2 i
  shift 2
  for i in $(seq 1 $((secs * 10))); do
    if "$@"; then return 0; fi
    sleep 0.1
  done
  fail "timed out after ${secs}s waiting for: $what"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# make_test_ca DIR HOST: a test CA (DIR/ca.pem) and a server certificate for HOST signed by it
# (DIR/server.pem, DIR/server.key), made with the real openssl.
make_test_ca() {
  local dir=$1 host=$2
  mkdir -p "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=kc test CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$host" \
    -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "$host" >"$dir/ext.cnf"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -CAcreateserial -days 2 -extfile "$dir/ext.cnf" -out "$dir/server.pem" 2>/dev/null
}

# start_nginx DOCROOT TLSDIR: serves DOCROOT over HTTPS on 127.0.0.1 with TLSDIR's server
# certificate (nginx from Debian; Range requests work as on any static mirror). Sets NGINX_PORT
# and stops nginx at exit.
start_nginx() {
  local docroot=$1 tls=$2 conf
  command -v nginx >/dev/null || skip "nginx is not installed (packaging/install-deps.sh installs it)"
  NGINX_PORT=$(free_port)
  conf="$SCRATCH/nginx"
  mkdir -p "$conf"
  cat >"$conf/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $conf/nginx.pid;
error_log $conf/error.log;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
events { worker_connections 256; }
http {
  access_log $conf/access.log;
  client_body_temp_path $conf/body;
  proxy_temp_path $conf/proxy;
  fastcgi_temp_path $conf/fastcgi;
  uwsgi_temp_path $conf/uwsgi;
  scgi_temp_path $conf/scgi;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$NGINX_PORT ssl;
    ssl_certificate $tls/server.pem;
    ssl_certificate_key $tls/server.key;
    root $docroot;
  }
}
CONF
  nginx -c "$conf/nginx.conf" -e "$conf/error.log" &
  NGINX_PID=$!
  on_exit "kill $NGINX_PID 2>/dev/null; wait $NGINX_PID 2>/dev/null"
  local i
  for i in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$NGINX_PORT") 2>/dev/null; then return 0; fi
    kill -0 "$NGINX_PID" 2>/dev/null || fail "nginx did not start: $(cat "$conf/error.log")"
    sleep 0.05
  done
  fail "nginx did not listen on port $NGINX_PORT"
}

# start_imds LOG [PREFIX...] [-- STAND-IN ARGS...]: the IMDSv2 stand-in (tests/servers/
# imds_standin.py), run by PREFIX (e.g. `ip netns exec NS`, which execs), logging its requests to
# LOG; sets IMDS_URL (on 127.0.0.1 of PREFIX's network namespace). Stopped at exit.
start_imds() {
  local log=$1 prefix=() args=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do prefix+=("$1"); shift; done
  [ $# -eq 0 ] || { shift; args=("$@"); }
  "${prefix[@]}" python3 "$KC_SOURCE_ROOT/tests/servers/imds_standin.py" --log "$log" "${args[@]}" \
    >"$log.port" 2>>"$log.err" &
  on_exit "kill $! 2>/dev/null"
  wait_for "the IMDS stand-in" 10 test -s "$log.port"
  IMDS_URL=http://127.0.0.1:$(head -n 1 "$log.port")
}
