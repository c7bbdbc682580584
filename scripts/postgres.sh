# Sourced by scripts/test.sh and scripts/bench-hub.sh: finds PostgreSQL's server
# binaries and starts a throwaway server (initdb in a temp dir, as a non-root
# user, on a free loopback port, fsync off), exporting TEST_DATABASE_URL and
# stopping it on exit. PG_FSYNC=on starts it durable instead (every commit
# waits for the disk, as in production): for benchmarks of write paths. Needs `log` defined by the caller. With openssl at
# hand the server also takes TLS, with a certificate from a CA made for the
# run: TEST_DATABASE_SSL_URL reaches it at sslmode=verify-full (the other
# tests connect with sslmode=disable, as they always did).

find_pg_bin() {
  for dir in /usr/lib/postgresql/15/bin /usr/local/bin /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  done
  return 1
}

start_postgres() {
  PG_BIN=$(find_pg_bin) || { log "PostgreSQL 15 server binaries not found (apt-get install postgresql-15)"; exit 1; }
  PG_DIR=$(mktemp -d /tmp/pos-pg.XXXXXX)
  PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_pg=()
  if [ "$(id -u)" -eq 0 ]; then
    # PostgreSQL refuses to run as root.
    id pos-test >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin pos-test
    chown pos-test "$PG_DIR"
    as_pg=(runuser -u pos-test --)
  fi
  stop_pg() {
    "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  }
  trap stop_pg EXIT
  case "${PG_FSYNC:-off}" in on|off) ;; *) log "PG_FSYNC must be on or off, not '$PG_FSYNC'"; exit 1 ;; esac
  log "starting PostgreSQL ($PG_BIN) on 127.0.0.1:$PG_PORT (fsync ${PG_FSYNC:-off})"
  "${as_pg[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" --username=pos_test --auth=trust --no-sync -E UTF8 >/dev/null
  ssl_opts=""
  if command -v openssl >/dev/null; then
    # A CA for this run and a server certificate it signed for 127.0.0.1.
    ( cd "$PG_DIR" \
      && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
           -subj "/CN=pos test CA" -keyout ca.key -out ca.crt 2>/dev/null \
      && openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
           -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null \
      && printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > san.ext \
      && openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
           -extfile san.ext -out server.crt 2>/dev/null \
      && chmod 600 server.key )
    [ "$(id -u)" -eq 0 ] && chown pos-test "$PG_DIR/server.key" "$PG_DIR/server.crt"
    ssl_opts="-c ssl=on -c ssl_cert_file=$PG_DIR/server.crt -c ssl_key_file=$PG_DIR/server.key"
  fi
  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=${PG_FSYNC:-off} -c max_connections=300 $ssl_opts" start >/dev/null
  export TEST_DATABASE_URL="postgres://pos_test@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
  if [ -n "$ssl_opts" ]; then
    export TEST_DATABASE_SSL_URL="postgres://pos_test@127.0.0.1:$PG_PORT/postgres?sslmode=verify-full&sslrootcert=$PG_DIR/ca.crt"
  fi
}
