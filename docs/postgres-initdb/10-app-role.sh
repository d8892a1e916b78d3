#!/bin/sh
# Run once by the postgres image when the database is created (docker-compose.yml): the role the
# application runs as. It owns nothing; `manage.py grant_app_role facturador_app` (the migrate
# service, as the owner) gives it its privileges. README, "Database roles".
set -eu
psql -v ON_ERROR_STOP=1 -v pw="$APP_DB_PASSWORD" --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE facturador_app LOGIN PASSWORD :'pw' NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
SQL
