package demo

import (
	"strconv"
	"time"
)

// The catalogue the generator draws from: base images, official images
// built on them, the team's own repositories, compose projects. Sizes are
// uncompressed bytes, close to the real images'.

const (
	kB = int64(1000)
	mB = 1000 * kB
	gB = 1000 * mB
)

// stepKind says when a build step produces the same layer again.
type stepKind int

const (
	meta  stepKind = iota // metadata only: no layer
	fresh                 // a new layer on every build (COPY . ., the build output)
	deps                  // the same layer while the dependencies do not change
)

// step is one Dockerfile instruction. instr is written as in a Dockerfile
// ("RUN …", "COPY …", "ENV …"); {v} is replaced by the release's version.
type step struct {
	instr    string
	min, max int64
	kind     stepKind
}

func lay(instr string, min, max int64) step {
	return step{instr: instr, min: min, max: max, kind: fresh}
}
func dep(instr string, min, max int64) step {
	return step{instr: instr, min: min, max: max, kind: deps}
}
func md(instr string) step { return step{instr: instr, kind: meta} }

// famSpec is an official image line (node:20, postgres:16 …): a release
// every few days, each built on the newest release of its base.
type famSpec struct {
	key   string
	ref   string   // the reference users pull it by, for build-cache descriptions
	bases []string // base families; the newest one released wins
	start int      // days ago of the first release
	end   int      // days ago of the last release (0: still released)
	every int      // days between releases
	ver   func(r int, d time.Time) string
	steps []step
	cfg   imageConfig
}

func semver(major string, minor0, per int) func(int, time.Time) string {
	return func(r int, _ time.Time) string {
		return major + "." + strconv.Itoa(minor0+r/per) + "." + strconv.Itoa(r%per)
	}
}

func minorver(major string, minor0 int) func(int, time.Time) string {
	return func(r int, _ time.Time) string { return major + "." + strconv.Itoa(minor0+r) }
}

func fixed(v string) func(int, time.Time) string { return func(int, time.Time) string { return v } }

// dated versions a base image by its build date, as Debian's are.
func dated(name string) func(int, time.Time) string {
	return func(_ int, d time.Time) string { return name + "-" + d.Format("20060102") }
}

var families = []famSpec{
	// ---- roots ----
	{key: "debian-bookworm", ref: "debian:bookworm", start: 730, every: 30, ver: dated("bookworm"),
		steps: []step{lay("ADD file:{h} in / ", 116*mB, 118*mB), md(`CMD ["bash"]`)}},
	{key: "debian-bookworm-slim", ref: "debian:bookworm-slim", start: 730, every: 30, ver: dated("bookworm-slim"),
		steps: []step{lay("ADD file:{h} in / ", 74*mB, 75*mB), md(`CMD ["bash"]`)}},
	{key: "debian-bullseye-slim", ref: "debian:bullseye-slim", start: 730, every: 45, ver: dated("bullseye-slim"),
		steps: []step{lay("ADD file:{h} in / ", 80*mB, 81*mB), md(`CMD ["bash"]`)}},
	{key: "ubuntu-jammy", ref: "ubuntu:22.04", start: 730, every: 40, ver: dated("jammy"),
		steps: []step{md("ARG RELEASE"), md("ARG LAUNCHPAD_BUILD_ARCH"), md("LABEL org.opencontainers.image.ref.name=ubuntu"),
			md("LABEL org.opencontainers.image.version=22.04"), lay("ADD file:{h} in / ", 77*mB, 78*mB), md(`CMD ["/bin/bash"]`)},
		cfg: imageConfig{labels: map[string]string{"org.opencontainers.image.ref.name": "ubuntu", "org.opencontainers.image.version": "22.04"}}},
	{key: "ubuntu-noble", ref: "ubuntu:24.04", start: 320, every: 40, ver: dated("noble"),
		steps: []step{md("ARG RELEASE"), md("ARG LAUNCHPAD_BUILD_ARCH"), md("LABEL org.opencontainers.image.ref.name=ubuntu"),
			md("LABEL org.opencontainers.image.version=24.04"), lay("ADD file:{h} in / ", 76*mB, 79*mB), md(`CMD ["/bin/bash"]`)},
		cfg: imageConfig{labels: map[string]string{"org.opencontainers.image.ref.name": "ubuntu", "org.opencontainers.image.version": "24.04"}}},
	{key: "alpine-3.18", ref: "alpine:3.18", start: 730, end: 200, every: 60, ver: semver("3.18", 4, 1),
		steps: []step{lay("ADD file:{h} in / ", 7300*kB, 7400*kB), md(`CMD ["/bin/sh"]`)}},
	{key: "alpine-3.19", ref: "alpine:3.19", start: 480, every: 60, ver: semver("3.19", 0, 100),
		steps: []step{lay("ADD file:{h} in / ", 7370*kB, 7420*kB), md(`CMD ["/bin/sh"]`)}},
	{key: "alpine-3.20", ref: "alpine:3.20", start: 250, every: 50, ver: semver("3.20", 0, 100),
		steps: []step{lay("ADD file:{h} in / ", 7790*kB, 7810*kB), md(`CMD ["/bin/sh"]`)}},
	{key: "busybox", ref: "busybox:latest", start: 730, every: 120, ver: semver("1.36", 0, 2),
		steps: []step{lay("ADD file:{h} in / ", 4260*kB, 4270*kB), md(`CMD ["sh"]`)}},
	{key: "oraclelinux-8-slim", ref: "oraclelinux:8-slim", start: 730, every: 60, ver: dated("8-slim"),
		steps: []step{lay("ADD file:{h} in / ", 109*mB, 112*mB), md(`CMD ["/bin/bash"]`)}},
	{key: "distroless-static", ref: "gcr.io/distroless/static-debian12:nonroot", start: 600, every: 50, ver: dated("static"),
		steps: []step{lay("bazel build @static//:tzdata", 480*kB, 520*kB), lay("bazel build @static//:base-files", 20*kB, 25*kB),
			lay("bazel build @static//:netbase", 40*kB, 45*kB), lay("bazel build @static//:ca-certificates", 250*kB, 270*kB),
			lay("bazel build @static//:passwd", 1*kB, 2*kB), lay("bazel build @static//:media-types", 100*kB, 110*kB), md("USER 65532")},
		cfg: imageConfig{user: "65532", workdir: "/home/nonroot", env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"}}},
	{key: "hello-world", ref: "hello-world:latest", start: 700, every: 400, ver: fixed("latest"),
		steps: []step{lay("COPY file:{h} in / ", 13256, 13256), md(`CMD ["/hello"]`)}},

	// ---- buildpack-deps ----
	{key: "bpd-curl", ref: "buildpack-deps:bookworm-curl", bases: []string{"debian-bookworm"}, start: 729, every: 30, ver: dated("bookworm-curl"),
		steps: []step{lay("RUN set -eux; apt-get update; apt-get install -y --no-install-recommends ca-certificates curl gnupg netbase sq wget; rm -rf /var/lib/apt/lists/*", 23*mB, 25*mB)}},
	{key: "bpd-scm", ref: "buildpack-deps:bookworm-scm", bases: []string{"bpd-curl"}, start: 728, every: 30, ver: dated("bookworm-scm"),
		steps: []step{lay("RUN apt-get update && apt-get install -y --no-install-recommends git mercurial openssh-client subversion procps && rm -rf /var/lib/apt/lists/*", 58*mB, 62*mB)}},
	{key: "bpd", ref: "buildpack-deps:bookworm", bases: []string{"bpd-scm"}, start: 727, every: 30, ver: dated("bookworm"),
		steps: []step{lay("RUN set -ex; apt-get update; apt-get install -y --no-install-recommends autoconf automake bzip2 dpkg-dev file g++ gcc imagemagick libbz2-dev libc6-dev libcurl4-openssl-dev libdb-dev libevent-dev libffi-dev libgdbm-dev libglib2.0-dev libgmp-dev libjpeg-dev libkrb5-dev liblzma-dev libmagickcore-dev libmagickwand-dev libmaxminddb-dev libncurses5-dev libncursesw5-dev libpng-dev libpq-dev libreadline-dev libsqlite3-dev libssl-dev libtool libwebp-dev libxml2-dev libxslt-dev libyaml-dev make patch unzip xz-utils zlib1g-dev; rm -rf /var/lib/apt/lists/*", 575*mB, 590*mB)}},

	// ---- node ----
	{key: "node-18", ref: "node:18", bases: []string{"bpd"}, start: 726, end: 120, every: 28, ver: semver("18", 17, 2), steps: nodeSteps(170*mB, 178*mB), cfg: nodeCfg("18")},
	{key: "node-20", ref: "node:20", bases: []string{"bpd"}, start: 640, every: 21, ver: semver("20", 9, 2), steps: nodeSteps(178*mB, 190*mB), cfg: nodeCfg("20")},
	{key: "node-22", ref: "node:22", bases: []string{"bpd"}, start: 300, every: 21, ver: semver("22", 2, 2), steps: nodeSteps(190*mB, 200*mB), cfg: nodeCfg("22")},
	{key: "node-20-slim", ref: "node:20-slim", bases: []string{"debian-bookworm-slim"}, start: 639, every: 21, ver: semver("20", 9, 2),
		steps: []step{lay("RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node", 330*kB, 336*kB),
			md("ENV NODE_VERSION={v}"), lay("RUN ARCH= && dpkgArch=\"$(dpkg --print-architecture)\" && set -ex && apt-get update && apt-get install -y ca-certificates curl wget gnupg dirmngr xz-utils libatomic1 --no-install-recommends && curl -fsSLO --compressed \"https://nodejs.org/dist/v$NODE_VERSION/node-v$NODE_VERSION-linux-$ARCH.tar.xz\" && tar -xJf \"node-v$NODE_VERSION-linux-$ARCH.tar.xz\" -C /usr/local --strip-components=1 --no-same-owner && node --version && npm --version", 138*mB, 150*mB),
			md("ENV YARN_VERSION=1.22.19"), lay("RUN set -ex && savedAptMark=\"$(apt-mark showmanual)\" && apt-get update && apt-get install -y ca-certificates curl wget gnupg dirmngr --no-install-recommends && curl -fsSLO --compressed \"https://yarnpkg.com/downloads/$YARN_VERSION/yarn-v$YARN_VERSION.tar.gz\" && yarn --version", 5300*kB, 5400*kB),
			lay("COPY file:{h} in /usr/local/bin/ ", 388, 388), md(`ENTRYPOINT ["docker-entrypoint.sh"]`), md(`CMD ["node"]`)},
		cfg: nodeCfg("20")},
	{key: "node-20-alpine", ref: "node:20-alpine", bases: []string{"alpine-3.18", "alpine-3.19", "alpine-3.20"}, start: 638, every: 21, ver: semver("20", 9, 2),
		steps: []step{md("ENV NODE_VERSION={v}"), lay("RUN addgroup -g 1000 node && adduser -u 1000 -G node -s /bin/sh -D node && apk add --no-cache libstdc++ && apk add --no-cache --virtual .build-deps curl && curl -fsSLO --compressed \"https://unofficial-builds.nodejs.org/download/release/v$NODE_VERSION/node-v$NODE_VERSION-linux-x64-musl.tar.xz\" && node --version && npm --version", 125*mB, 135*mB),
			md("ENV YARN_VERSION=1.22.19"), lay("RUN apk add --no-cache --virtual .build-deps-yarn curl gnupg tar && curl -fsSLO --compressed \"https://yarnpkg.com/downloads/$YARN_VERSION/yarn-v$YARN_VERSION.tar.gz\" && apk del .build-deps-yarn && yarn --version", 5300*kB, 5400*kB),
			lay("COPY file:{h} in /usr/local/bin/ ", 388, 388), md(`ENTRYPOINT ["docker-entrypoint.sh"]`), md(`CMD ["node"]`)},
		cfg: nodeCfg("20")},

	// ---- python ----
	{key: "python-3.11", ref: "python:3.11", bases: []string{"bpd"}, start: 726, every: 35, ver: semver("3.11", 5, 1), steps: pythonSteps(18*mB, 55*mB), cfg: pythonCfg()},
	{key: "python-3.12", ref: "python:3.12", bases: []string{"bpd"}, start: 600, every: 35, ver: semver("3.12", 1, 1), steps: pythonSteps(19*mB, 58*mB), cfg: pythonCfg()},
	{key: "python-3.11-slim", ref: "python:3.11-slim", bases: []string{"debian-bookworm-slim"}, start: 726, every: 35, ver: semver("3.11", 5, 1), steps: pythonSlimSteps(), cfg: pythonCfg()},
	{key: "python-3.12-slim", ref: "python:3.12-slim", bases: []string{"debian-bookworm-slim"}, start: 600, every: 35, ver: semver("3.12", 1, 1), steps: pythonSlimSteps(), cfg: pythonCfg()},
	{key: "python-3.12-alpine", ref: "python:3.12-alpine", bases: []string{"alpine-3.19", "alpine-3.20"}, start: 470, every: 35, ver: semver("3.12", 2, 1),
		steps: []step{md("ENV LANG=C.UTF-8"), lay("RUN set -eux; apk add --no-cache ca-certificates tzdata", 1100*kB, 1200*kB), md("ENV PYTHON_VERSION={v}"),
			lay("RUN set -eux; apk add --no-cache --virtual .build-deps gcc make musl-dev openssl-dev; ./configure --enable-optimizations; make -j; make install; apk del .build-deps", 40*mB, 44*mB),
			lay("RUN set -eux; for src in idle3 pydoc3 python3 python3-config; do ln -svT \"$src\" \"/usr/local/bin/${src%3}\"; done", 32, 32), md(`CMD ["python3"]`)},
		cfg: pythonCfg()},

	// ---- go ----
	{key: "golang-1.21", ref: "golang:1.21", bases: []string{"bpd-scm"}, start: 726, end: 250, every: 30, ver: semver("1.21", 1, 1), steps: goSteps(), cfg: goCfg()},
	{key: "golang-1.22", ref: "golang:1.22", bases: []string{"bpd-scm"}, start: 450, every: 30, ver: semver("1.22", 0, 1), steps: goSteps(), cfg: goCfg()},
	{key: "golang-1.23", ref: "golang:1.23", bases: []string{"bpd-scm"}, start: 200, every: 30, ver: semver("1.23", 0, 1), steps: goSteps(), cfg: goCfg()},
	{key: "golang-1.22-alpine", ref: "golang:1.22-alpine", bases: []string{"alpine-3.19", "alpine-3.20"}, start: 449, every: 30, ver: semver("1.22", 0, 1),
		steps: []step{lay("RUN apk add --no-cache ca-certificates", 480*kB, 520*kB), md("ENV PATH=/usr/local/go/bin:$PATH"), md("ENV GOLANG_VERSION={v}"),
			lay("RUN set -eux; apk add --no-cache --virtual .fetch-deps gnupg; url=\"https://dl.google.com/go/go$GOLANG_VERSION.linux-amd64.tar.gz\"; wget -O go.tgz \"$url\"; tar -C /usr/local -xzf go.tgz; apk del --no-network .fetch-deps; go version", 220*mB, 240*mB),
			md("ENV GOPATH=/go"), lay(`RUN mkdir -p "$GOPATH/src" "$GOPATH/bin" && chmod -R 1777 "$GOPATH"`, 0, 0), md("WORKDIR /go")},
		cfg: goCfg()},

	// ---- web servers, databases, queues ----
	{key: "nginx-1.25", ref: "nginx:1.25", bases: []string{"debian-bookworm-slim"}, start: 560, end: 150, every: 40, ver: semver("1.25", 2, 1), steps: nginxSteps(110*mB, 114*mB), cfg: nginxCfg()},
	{key: "nginx-1.25-alpine", ref: "nginx:1.25-alpine", bases: []string{"alpine-3.18", "alpine-3.19"}, start: 560, end: 150, every: 40, ver: semver("1.25", 2, 1), steps: nginxSteps(34*mB, 38*mB), cfg: nginxCfg()},
	{key: "nginx-1.27-alpine", ref: "nginx:1.27-alpine", bases: []string{"alpine-3.19", "alpine-3.20"}, start: 220, every: 40, ver: semver("1.27", 0, 1), steps: nginxSteps(36*mB, 40*mB), cfg: nginxCfg()},
	{key: "redis-7", ref: "redis:7", bases: []string{"debian-bookworm-slim"}, start: 700, every: 45, ver: semver("7.2", 1, 1), steps: redisSteps(330*kB, 29*mB, 32*mB), cfg: redisCfg()},
	{key: "redis-7-alpine", ref: "redis:7-alpine", bases: []string{"alpine-3.18", "alpine-3.19", "alpine-3.20"}, start: 700, every: 45, ver: semver("7.2", 1, 1), steps: redisSteps(4600, 26*mB, 28*mB), cfg: redisCfg()},
	{key: "postgres-15", ref: "postgres:15", bases: []string{"debian-bookworm-slim"}, start: 720, every: 45, ver: minorver("15", 4), steps: postgresSteps(320*mB, 335*mB), cfg: postgresCfg("15")},
	{key: "postgres-16", ref: "postgres:16", bases: []string{"debian-bookworm-slim"}, start: 560, every: 45, ver: minorver("16", 0), steps: postgresSteps(330*mB, 345*mB), cfg: postgresCfg("16")},
	{key: "postgres-16-alpine", ref: "postgres:16-alpine", bases: []string{"alpine-3.18", "alpine-3.19", "alpine-3.20"}, start: 559, every: 45, ver: minorver("16", 0),
		steps: []step{lay("RUN set -eux; addgroup -g 70 -S postgres; adduser -u 70 -S -D -G postgres -H -h /var/lib/postgresql -s /bin/sh postgres; mkdir -p /var/lib/postgresql; chown -R postgres:postgres /var/lib/postgresql", 4600, 4700),
			md("ENV LANG=en_US.utf8"), lay("RUN mkdir /docker-entrypoint-initdb.d", 0, 0), md("ENV PG_MAJOR=16"), md("ENV PG_VERSION={v}"),
			lay("RUN set -eux; wget -O postgresql.tar.bz2 \"https://ftp.postgresql.org/pub/source/v$PG_VERSION/postgresql-$PG_VERSION.tar.bz2\"; apk add --no-cache --virtual .build-deps bison clang15 coreutils dpkg-dev flex g++ gcc krb5-dev libc-dev llvm15-dev make openssl-dev perl-utils; ./configure --with-openssl --with-llvm; make -j; make install-world; apk del --no-network .build-deps; postgres --version", 218*mB, 226*mB),
			lay("RUN set -eux; cp -v /usr/local/share/postgresql/postgresql.conf.sample /usr/local/share/postgresql/postgresql.conf.sample.orig", 29*kB, 30*kB),
			lay("RUN mkdir -p /var/run/postgresql && chown -R postgres:postgres /var/run/postgresql && chmod 3777 /var/run/postgresql", 0, 0),
			md("ENV PGDATA=/var/lib/postgresql/data"), lay(`RUN mkdir -p "$PGDATA" && chown -R postgres:postgres "$PGDATA" && chmod 1777 "$PGDATA"`, 0, 0),
			md("VOLUME [/var/lib/postgresql/data]"), lay("COPY file:{h} in /usr/local/bin/ ", 12*kB, 13*kB), md(`ENTRYPOINT ["docker-entrypoint.sh"]`), md("STOPSIGNAL SIGINT"), md("EXPOSE 5432"), md(`CMD ["postgres"]`)},
		cfg: postgresCfg("16")},
	{key: "mysql-8", ref: "mysql:8.0", bases: []string{"oraclelinux-8-slim"}, start: 700, every: 60, ver: minorver("8.0", 35),
		steps: []step{lay("RUN set -eux; groupadd --system --gid 999 mysql; useradd --system --uid 999 --gid 999 --home-dir /var/lib/mysql --no-create-home mysql", 1700, 1800),
			md("ENV GOSU_VERSION=1.16"), lay("RUN set -eux; arch=\"$(uname -m)\"; curl -fL -o /usr/local/bin/gosu \"https://github.com/tianon/gosu/releases/download/$GOSU_VERSION/gosu-$arch\"; chmod +x /usr/local/bin/gosu; gosu --version", 4200*kB, 4300*kB),
			lay("RUN set -eux; microdnf install -y bzip2 gzip openssl xz zstd findutils; microdnf clean all", 39*mB, 42*mB),
			md("ENV MYSQL_MAJOR=8.0"), md("ENV MYSQL_VERSION={v}-1.el8"),
			lay("RUN set -eux; microdnf install -y \"mysql-community-client-$MYSQL_VERSION\" \"mysql-community-server-minimal-$MYSQL_VERSION\"; microdnf clean all; mysqld --version; mysql --version", 385*mB, 400*mB),
			lay("RUN set -eux; microdnf install -y \"mysql-shell-$MYSQL_SHELL_VERSION\"; microdnf clean all; mysqlsh --version", 105*mB, 112*mB),
			md("VOLUME [/var/lib/mysql]"), lay("COPY file:{h} in /usr/local/bin/ ", 16*kB, 17*kB), md(`ENTRYPOINT ["docker-entrypoint.sh"]`), md("EXPOSE 3306 33060"), md(`CMD ["mysqld"]`)},
		cfg: imageConfig{entrypoint: []string{"docker-entrypoint.sh"}, cmd: []string{"mysqld"}, ports: []string{"3306/tcp", "33060/tcp"}, volumes: []string{"/var/lib/mysql"}, env: []string{"MYSQL_MAJOR=8.0"}}},
	{key: "mongo-7", ref: "mongo:7", bases: []string{"ubuntu-jammy"}, start: 520, every: 45, ver: minorver("7.0", 2),
		steps: []step{lay("RUN set -eux; groupadd --gid 999 --system mongodb; useradd --uid 999 --system --gid mongodb --home-dir /data/db mongodb; mkdir -p /data/db /data/configdb; chown -R mongodb:mongodb /data/db /data/configdb", 3*kB, 4*kB),
			lay("RUN set -eux; apt-get update; apt-get install -y --no-install-recommends ca-certificates jq numactl procps; rm -rf /var/lib/apt/lists/*", 8*mB, 10*mB),
			md("ENV GOSU_VERSION=1.17"), lay("RUN set -eux; savedAptMark=\"$(apt-mark showmanual)\"; apt-get update; apt-get install -y --no-install-recommends gnupg wget; wget -O /usr/local/bin/gosu \"https://github.com/tianon/gosu/releases/download/$GOSU_VERSION/gosu-$dpkgArch\"; chmod +x /usr/local/bin/gosu; gosu --version", 7*mB, 9*mB),
			lay("RUN mkdir /docker-entrypoint-initdb.d", 0, 0), md("ENV MONGO_VERSION={v}"),
			lay("RUN set -x && export DEBIAN_FRONTEND=noninteractive && apt-get update && apt-get install -y ${MONGO_PACKAGE}=$MONGO_VERSION ${MONGO_PACKAGE}-server=$MONGO_VERSION ${MONGO_PACKAGE}-shell=$MONGO_VERSION ${MONGO_PACKAGE}-mongos=$MONGO_VERSION ${MONGO_PACKAGE}-tools=$MONGO_VERSION && rm -rf /var/lib/apt/lists/*", 570*mB, 600*mB),
			md("VOLUME [/data/db /data/configdb]"), lay("COPY file:{h} in /usr/local/bin/ ", 14*kB, 15*kB), md(`ENTRYPOINT ["docker-entrypoint.sh"]`), md("EXPOSE 27017"), md(`CMD ["mongod"]`)},
		cfg: imageConfig{entrypoint: []string{"docker-entrypoint.sh"}, cmd: []string{"mongod"}, ports: []string{"27017/tcp"}, volumes: []string{"/data/db", "/data/configdb"}}},
	{key: "rabbitmq-3", ref: "rabbitmq:3-management", bases: []string{"ubuntu-jammy"}, start: 500, every: 50, ver: semver("3.12", 4, 1),
		steps: []step{lay("RUN set -eux; apt-get update; apt-get install --yes --no-install-recommends ca-certificates gosu tzdata; rm -rf /var/lib/apt/lists/*", 17*mB, 19*mB),
			lay("RUN set -eux; OPENSSL_CONFIG_OPTS='enable-fips --prefix=/usr/local'; ./Configure $OPENSSL_CONFIG_OPTS; make -j; make install_sw install_ssldirs install_fips; ldconfig", 33*mB, 36*mB),
			lay("RUN set -eux; ./otp_build autoconf; ./configure --without-javac --without-wx --without-debugger --without-observer; make -j; make install; erl -noshell -eval 'halt().'", 115*mB, 125*mB),
			md("ENV RABBITMQ_VERSION={v}"), lay("RUN set -eux; wget --output-document \"$RABBITMQ_PATH.tar.xz\" \"$RABBITMQ_SOURCE_URL\"; tar --extract --file \"$RABBITMQ_PATH.tar.xz\" --directory \"$RABBITMQ_HOME\" --strip-components 1; gosu rabbitmq rabbitmqctl help", 40*mB, 44*mB),
			md("VOLUME [/var/lib/rabbitmq]"), lay("COPY multi:{h} in /usr/local/bin/ ", 12*kB, 13*kB), md(`ENTRYPOINT ["docker-entrypoint.sh"]`), md("EXPOSE 15691 15692 25672 4369 5551 5552 5671 5672"),
			md(`CMD ["rabbitmq-server"]`), lay("RUN set eux; rabbitmq-plugins enable --offline rabbitmq_management", 11*kB, 12*kB),
			lay("RUN set -eux; cp /plugins/rabbitmq_management-*/priv/www/cli/rabbitmqadmin /usr/local/bin/rabbitmqadmin", 3000*kB, 3100*kB), md("EXPOSE 15671 15672")},
		cfg: imageConfig{entrypoint: []string{"docker-entrypoint.sh"}, cmd: []string{"rabbitmq-server"}, ports: []string{"15672/tcp", "5672/tcp"}, volumes: []string{"/var/lib/rabbitmq"}}},
	{key: "memcached", ref: "memcached:1.6", bases: []string{"debian-bookworm-slim"}, start: 700, every: 90, ver: semver("1.6", 21, 1),
		steps: []step{lay("RUN groupadd --system --gid 11211 memcache && useradd --system --gid memcache --uid 11211 memcache", 330*kB, 334*kB),
			lay("RUN set -eux; apt-get update; apt-get install -y --no-install-recommends libevent-2.1-7 libsasl2-modules; rm -rf /var/lib/apt/lists/*", 2*mB, 3*mB),
			md("ENV MEMCACHED_VERSION={v}"), lay("RUN set -x && ./configure --build=\"$gnuArch\" --enable-extstore --enable-sasl --enable-sasl-pwdb --enable-tls && make -j && make install && memcached -V", 2*mB, 3*mB),
			lay("COPY file:{h} in /usr/local/bin/ ", 196, 196), md("USER memcache"), md("EXPOSE 11211"), md(`CMD ["memcached"]`)},
		cfg: imageConfig{user: "memcache", entrypoint: []string{"docker-entrypoint.sh"}, cmd: []string{"memcached"}, ports: []string{"11211/tcp"}}},
	{key: "httpd", ref: "httpd:2.4", bases: []string{"debian-bookworm-slim"}, start: 700, every: 60, ver: semver("2.4", 58, 1),
		steps: []step{md("ENV HTTPD_PREFIX=/usr/local/apache2"), lay(`RUN mkdir -p "$HTTPD_PREFIX" && chown www-data:www-data "$HTTPD_PREFIX"`, 0, 0), md("WORKDIR /usr/local/apache2"),
			lay("RUN set -eux; apt-get update; apt-get install -y --no-install-recommends ca-certificates libaprutil1-ldap libldap-common; rm -rf /var/lib/apt/lists/*", 10*mB, 12*mB),
			md("ENV HTTPD_VERSION={v}"), lay("RUN set -eux; ./configure --build=\"$gnuArch\" --prefix=\"$HTTPD_PREFIX\" --enable-mods-shared=reallyall --enable-mpms-shared=all; make -j; make install; httpd -v", 60*mB, 64*mB),
			md("STOPSIGNAL SIGWINCH"), lay("COPY file:{h} in /usr/local/bin/ ", 138, 138), md("EXPOSE 80"), md(`CMD ["httpd-foreground"]`)},
		cfg: imageConfig{workdir: "/usr/local/apache2", cmd: []string{"httpd-foreground"}, ports: []string{"80/tcp"}}},
	{key: "traefik-2", ref: "traefik:v2.10", bases: []string{"alpine-3.18", "alpine-3.19"}, start: 620, end: 150, every: 40, ver: semver("2.10", 4, 1), steps: traefikSteps(), cfg: traefikCfg()},
	{key: "traefik-3", ref: "traefik:v3.0", bases: []string{"alpine-3.19", "alpine-3.20"}, start: 240, every: 40, ver: semver("3.0", 0, 1), steps: traefikSteps(), cfg: traefikCfg()},
	{key: "grafana", ref: "grafana/grafana:10.2.0", bases: []string{"alpine-3.18"}, start: 420, end: 419, every: 400, ver: fixed("10.2.0"),
		steps: []step{md("LABEL maintainer=Grafana Labs <hello@grafana.com>"), md("ENV PATH=/usr/share/grafana/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin GF_PATHS_CONFIG=/etc/grafana/grafana.ini GF_PATHS_DATA=/var/lib/grafana"),
			md("WORKDIR /usr/share/grafana"), lay("RUN apk add --no-cache ca-certificates bash tzdata musl-utils && apk add --no-cache openssl ncurses-libs ncurses-terminfo-base --repository=http://dl-cdn.alpinelinux.org/alpine/edge/main", 12*mB, 13*mB),
			lay("COPY dir:{h} in /usr/share/grafana ", 390*mB, 405*mB), lay("RUN if [ ! $(getent group \"$GF_GID\") ]; then addgroup -S -g $GF_GID grafana; fi && mkdir -p \"$GF_PATHS_PROVISIONING/datasources\" \"$GF_PATHS_DATA\" && chown -R \"grafana:$GF_GID\" \"$GF_PATHS_DATA\"", 18*kB, 20*kB),
			md("EXPOSE 3000"), lay("COPY file:{h} in /run.sh ", 3*kB, 4*kB), md("USER 472"), md(`ENTRYPOINT ["/run.sh"]`)},
		cfg: imageConfig{user: "472", workdir: "/usr/share/grafana", entrypoint: []string{"/run.sh"}, ports: []string{"3000/tcp"}, labels: map[string]string{"maintainer": "Grafana Labs <hello@grafana.com>"}}},
	{key: "prometheus", ref: "prom/prometheus:v2.48.0", bases: []string{"busybox"}, start: 410, end: 409, every: 400, ver: fixed("2.48.0"),
		steps: []step{md("LABEL maintainer=The Prometheus Authors <prometheus-developers@googlegroups.com>"), md("ARG ARCH=amd64"), md("ARG OS=linux"),
			lay("COPY file:{h} in /bin/prometheus ", 118*mB, 120*mB), lay("COPY file:{h} in /bin/promtool ", 111*mB, 113*mB),
			lay("COPY file:{h} in /etc/prometheus/prometheus.yml ", 934, 934), lay("COPY dir:{h} in /usr/share/prometheus/console_libraries/ ", 17*kB, 18*kB),
			lay("RUN ln -s /usr/share/prometheus/console_libraries /usr/share/prometheus/consoles/ /etc/prometheus/ && chown -R nobody:nobody /etc/prometheus /prometheus", 0, 0),
			md("USER nobody"), md("EXPOSE 9090"), md("VOLUME [/prometheus]"), md("WORKDIR /prometheus"), md(`ENTRYPOINT ["/bin/prometheus"]`),
			md(`CMD ["--config.file=/etc/prometheus/prometheus.yml" "--storage.tsdb.path=/prometheus"]`)},
		cfg: imageConfig{user: "nobody", workdir: "/prometheus", entrypoint: []string{"/bin/prometheus"}, cmd: []string{"--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"}, ports: []string{"9090/tcp"}, volumes: []string{"/prometheus"},
			labels: map[string]string{"maintainer": "The Prometheus Authors <prometheus-developers@googlegroups.com>"}}},
	{key: "registry-2", ref: "registry:2", bases: []string{"alpine-3.18"}, start: 690, end: 689, every: 400, ver: fixed("2.8.3"),
		steps: []step{lay("RUN set -ex && apk add --no-cache ca-certificates", 700*kB, 800*kB), lay("COPY file:{h} in /bin/registry ", 19*mB, 20*mB),
			lay("COPY file:{h} in /etc/docker/registry/config.yml ", 295, 295), md("VOLUME [/var/lib/registry]"), md("EXPOSE 5000"),
			lay("COPY file:{h} in /entrypoint.sh ", 155, 155), md(`ENTRYPOINT ["/entrypoint.sh"]`), md(`CMD ["/etc/docker/registry/config.yml"]`)},
		cfg: imageConfig{entrypoint: []string{"/entrypoint.sh"}, cmd: []string{"/etc/docker/registry/config.yml"}, ports: []string{"5000/tcp"}, volumes: []string{"/var/lib/registry"}}},
	{key: "docker-dind", ref: "docker:24-dind", bases: []string{"alpine-3.18", "alpine-3.19"}, start: 600, end: 180, every: 60, ver: semver("24.0", 6, 1),
		steps: []step{lay("RUN apk add --no-cache ca-certificates libc6-compat openssh-client git", 18*mB, 20*mB), md("ENV DOCKER_VERSION={v}"),
			lay("RUN set -eux; wget -O 'docker.tgz' \"$url\"; tar --extract --file docker.tgz --strip-components 1 --directory /usr/local/bin/ --no-same-owner; docker --version", 68*mB, 72*mB),
			lay("RUN set -eux; wget -O 'docker-buildx' \"$url\"; chmod +x docker-buildx; docker buildx version", 58*mB, 62*mB),
			lay("COPY file:{h} in /usr/local/bin/ ", 2*kB, 3*kB), lay("RUN set -eux; apk add --no-cache btrfs-progs e2fsprogs e2fsprogs-extra ip6tables iptables openssl shadow-uidmap xfsprogs xz pigz", 14*mB, 16*mB),
			lay("RUN set -eux; wget -O 'dockerd.tgz' \"$url\"; tar --extract --file dockerd.tgz --strip-components 1 --directory /usr/local/bin/; dockerd --version", 105*mB, 112*mB),
			md("VOLUME [/var/lib/docker]"), md("EXPOSE 2375 2376"), md(`ENTRYPOINT ["dockerd-entrypoint.sh"]`), md("CMD []")},
		cfg: imageConfig{entrypoint: []string{"dockerd-entrypoint.sh"}, ports: []string{"2375/tcp", "2376/tcp"}, volumes: []string{"/var/lib/docker"}}},
	{key: "elasticsearch-8", ref: "elasticsearch:8.11.1", bases: []string{"ubuntu-jammy"}, start: 400, end: 399, every: 400, ver: fixed("8.11.1"),
		steps: []step{lay("RUN for iter in 1 2 3 4 5 6 7 8 9 10; do DEBIAN_FRONTEND=noninteractive apt-get update && apt-get upgrade -y && apt-get install -y --no-install-recommends ca-certificates curl netcat p11-kit unzip zip && apt-get clean && rm -rf /var/lib/apt/lists/* && exit_code=0 && break; done", 16*mB, 18*mB),
			lay("RUN groupadd -g 1000 elasticsearch && adduser --uid 1000 --gid 1000 --home /usr/share/elasticsearch elasticsearch && adduser elasticsearch root && chown -R 0:0 /usr/share/elasticsearch", 340*kB, 350*kB),
			md("ENV ELASTIC_CONTAINER=true"), md("WORKDIR /usr/share/elasticsearch"), lay("COPY dir:{h} in /usr/share/elasticsearch ", 1150*mB, 1180*mB),
			lay("COPY file:{h} in /bin/tini ", 24*kB, 25*kB), lay("RUN chmod g=u /etc/passwd && chmod 0555 /usr/local/bin/docker-entrypoint.sh && find / -xdev -perm -4000 -exec chmod ug-s {} +", 3*kB, 4*kB),
			md("EXPOSE 9200 9300"), md("USER 1000:0"), md(`ENTRYPOINT ["/bin/tini" "--" "/usr/local/bin/docker-entrypoint.sh"]`), md(`CMD ["eswrapper"]`)},
		cfg: imageConfig{user: "1000:0", workdir: "/usr/share/elasticsearch", entrypoint: []string{"/bin/tini", "--", "/usr/local/bin/docker-entrypoint.sh"}, cmd: []string{"eswrapper"}, ports: []string{"9200/tcp", "9300/tcp"},
			labels: map[string]string{"org.label-schema.name": "Elasticsearch", "org.label-schema.version": "8.11.1", "org.opencontainers.image.vendor": "Elastic"}}},
	{key: "temurin-17", ref: "eclipse-temurin:17-jdk", bases: []string{"ubuntu-jammy"}, start: 700, every: 60, ver: semver("17.0", 9, 1), steps: temurinSteps(300*mB, 320*mB), cfg: temurinCfg()},
	{key: "temurin-21", ref: "eclipse-temurin:21-jdk", bases: []string{"ubuntu-jammy", "ubuntu-noble"}, start: 450, every: 60, ver: semver("21.0", 1, 1), steps: temurinSteps(320*mB, 340*mB), cfg: temurinCfg()},
	{key: "maven-3.9", ref: "maven:3.9-eclipse-temurin-17", bases: []string{"temurin-17"}, start: 690, every: 60, ver: semver("3.9", 5, 1),
		steps: []step{lay("RUN apt-get update && apt-get install -y git openssh-client && rm -rf /var/lib/apt/lists/*", 29*mB, 32*mB), md("ENV MAVEN_HOME=/usr/share/maven"),
			lay("COPY dir:{h} in /usr/share/maven ", 10*mB, 11*mB), lay("COPY file:{h} in /usr/local/bin/mvn-entrypoint.sh ", 1400, 1400),
			lay("COPY file:{h} in /usr/share/maven/ref/ ", 327, 327), lay("RUN ln -s ${MAVEN_HOME}/bin/mvn /usr/bin/mvn", 29, 29), md("ARG MAVEN_VERSION={v}"),
			md(`ENTRYPOINT ["/usr/local/bin/mvn-entrypoint.sh"]`), md(`CMD ["mvn"]`)},
		cfg: imageConfig{entrypoint: []string{"/usr/local/bin/mvn-entrypoint.sh"}, cmd: []string{"mvn"}, env: []string{"MAVEN_HOME=/usr/share/maven"}}},
	{key: "rust-1", ref: "rust:1", bases: []string{"bpd"}, start: 650, every: 42, ver: semver("1", 74, 1),
		steps: []step{md("ENV RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo PATH=/usr/local/cargo/bin:$PATH RUST_VERSION={v}"),
			lay("RUN set -eux; dpkgArch=\"$(dpkg --print-architecture)\"; url=\"https://static.rust-lang.org/rustup/archive/1.27.1/${rustArch}/rustup-init\"; wget \"$url\"; chmod +x rustup-init; ./rustup-init -y --no-modify-path --profile minimal --default-toolchain $RUST_VERSION --default-host ${rustArch}; rustup --version; cargo --version; rustc --version", 1350*mB, 1500*mB)},
		cfg: imageConfig{env: []string{"RUSTUP_HOME=/usr/local/rustup", "CARGO_HOME=/usr/local/cargo"}}},
	{key: "localstack", ref: "localstack/localstack:latest", bases: []string{"python-3.11-slim"}, start: 500, every: 30, ver: semver("3", 0, 5),
		steps: []step{lay("RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl git gnupg iputils-ping libsasl2-dev make openssl tar zip && apt-get clean && rm -rf /var/lib/apt/lists/*", 165*mB, 175*mB),
			md("WORKDIR /opt/code/localstack"), lay("RUN --mount=type=cache,target=/root/.cache make install-runtime", 580*mB, 640*mB),
			lay("COPY dir:{h} in /opt/code/localstack/localstack ", 34*mB, 38*mB), md("EXPOSE 4566 4510-4559 5678"), md(`ENTRYPOINT ["docker-entrypoint.sh"]`),
			md("LABEL authors=LocalStack Contributors"), md("LABEL maintainer=LocalStack Team (info@localstack.cloud)")},
		cfg: imageConfig{workdir: "/opt/code/localstack", entrypoint: []string{"docker-entrypoint.sh"}, ports: []string{"4566/tcp"}, volumes: []string{"/var/lib/localstack"},
			labels: map[string]string{"authors": "LocalStack Contributors", "maintainer": "LocalStack Team (info@localstack.cloud)"}}},
}

func nodeSteps(min, max int64) []step {
	return []step{lay("RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node", 330*kB, 336*kB),
		md("ENV NODE_VERSION={v}"),
		lay("RUN ARCH= && dpkgArch=\"$(dpkg --print-architecture)\" && set -ex && curl -fsSLO --compressed \"https://nodejs.org/dist/v$NODE_VERSION/node-v$NODE_VERSION-linux-$ARCH.tar.xz\" && tar -xJf \"node-v$NODE_VERSION-linux-$ARCH.tar.xz\" -C /usr/local --strip-components=1 --no-same-owner && ln -s /usr/local/bin/node /usr/local/bin/nodejs && node --version && npm --version", min, max),
		md("ENV YARN_VERSION=1.22.19"),
		lay("RUN set -ex && curl -fsSLO --compressed \"https://yarnpkg.com/downloads/$YARN_VERSION/yarn-v$YARN_VERSION.tar.gz\" && mkdir -p /opt && tar -xzf yarn-v$YARN_VERSION.tar.gz -C /opt/ && ln -s /opt/yarn-v$YARN_VERSION/bin/yarn /usr/local/bin/yarn && yarn --version", 5300*kB, 5400*kB),
		lay("COPY file:{h} in /usr/local/bin/ ", 388, 388), md(`ENTRYPOINT ["docker-entrypoint.sh"]`), md(`CMD ["node"]`)}
}

func nodeCfg(major string) imageConfig {
	return imageConfig{entrypoint: []string{"docker-entrypoint.sh"}, cmd: []string{"node"}, env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "NODE_VERSION=" + major, "YARN_VERSION=1.22.19"}}
}

func pythonSteps(aptMin, pyMin int64) []step {
	return []step{md("ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), md("ENV LANG=C.UTF-8"),
		lay("RUN set -eux; apt-get update; apt-get install -y --no-install-recommends libbluetooth-dev tk-dev uuid-dev; rm -rf /var/lib/apt/lists/*", aptMin, aptMin+2*mB),
		md("ENV GPG_KEY=7169605F62C751356D054A26A821E680E5FA6305"), md("ENV PYTHON_VERSION={v}"),
		lay("RUN set -eux; wget -O python.tar.xz \"https://www.python.org/ftp/python/${PYTHON_VERSION%%[a-z]*}/Python-$PYTHON_VERSION.tar.xz\"; ./configure --enable-loadable-sqlite-extensions --enable-optimizations --enable-option-checking=fatal --enable-shared --with-lto --with-system-expat --without-ensurepip; make -j; make install; python3 --version", pyMin, pyMin+8*mB),
		lay("RUN set -eux; for src in idle3 pydoc3 python3 python3-config; do dst=\"$(echo \"$src\" | tr -d 3)\"; [ -s \"/usr/local/bin/$src\" ]; [ ! -e \"/usr/local/bin/$dst\" ]; ln -svT \"$src\" \"/usr/local/bin/$dst\"; done", 32, 32),
		md("ENV PYTHON_PIP_VERSION=24.0"), lay("RUN set -eux; wget -O get-pip.py \"$PYTHON_GET_PIP_URL\"; python get-pip.py --disable-pip-version-check --no-cache-dir --no-compile \"pip==$PYTHON_PIP_VERSION\"; pip --version", 11*mB, 12*mB),
		md(`CMD ["python3"]`)}
}

func pythonSlimSteps() []step {
	return []step{md("ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), md("ENV LANG=C.UTF-8"),
		lay("RUN set -eux; apt-get update; apt-get install -y --no-install-recommends ca-certificates netbase tzdata; rm -rf /var/lib/apt/lists/*", 9*mB, 10*mB),
		md("ENV GPG_KEY=7169605F62C751356D054A26A821E680E5FA6305"), md("ENV PYTHON_VERSION={v}"),
		lay("RUN set -eux; savedAptMark=\"$(apt-mark showmanual)\"; apt-get update; apt-get install -y --no-install-recommends dpkg-dev gcc gnupg libbluetooth-dev libbz2-dev libc6-dev libdb-dev libexpat1-dev libffi-dev libgdbm-dev liblzma-dev libncursesw5-dev libreadline-dev libsqlite3-dev libssl-dev make tk-dev uuid-dev wget xz-utils zlib1g-dev; ./configure --enable-optimizations --enable-shared --with-lto; make -j; make install; apt-mark auto '.*' > /dev/null; apt-get purge -y --auto-remove; python3 --version", 40*mB, 46*mB),
		lay("RUN set -eux; for src in idle3 pydoc3 python3 python3-config; do dst=\"$(echo \"$src\" | tr -d 3)\"; ln -svT \"$src\" \"/usr/local/bin/$dst\"; done", 32, 32),
		md("ENV PYTHON_PIP_VERSION=24.0"), lay("RUN set -eux; python get-pip.py --disable-pip-version-check --no-cache-dir --no-compile \"pip==$PYTHON_PIP_VERSION\"; pip --version", 11*mB, 12*mB),
		md(`CMD ["python3"]`)}
}

func pythonCfg() imageConfig {
	return imageConfig{cmd: []string{"python3"}, env: []string{"PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"}}
}

func goSteps() []step {
	return []step{lay("RUN set -eux; apt-get update; apt-get install -y --no-install-recommends g++ gcc libc6-dev make pkg-config; rm -rf /var/lib/apt/lists/*", 180*mB, 190*mB),
		md("ENV PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), md("ENV GOLANG_VERSION={v}"),
		lay("RUN set -eux; arch=\"$(dpkg --print-architecture)\"; url=\"https://dl.google.com/go/go$GOLANG_VERSION.linux-$arch.tar.gz\"; wget -O go.tgz.asc \"$url.asc\"; wget -O go.tgz \"$url\" --progress=dot:giga; tar -C /usr/local -xzf go.tgz; rm go.tgz; go version", 220*mB, 262*mB),
		md("ENV GOPATH=/go"), md("ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
		lay(`RUN mkdir -p "$GOPATH/src" "$GOPATH/bin" && chmod -R 1777 "$GOPATH"`, 0, 0), md("WORKDIR /go")}
}

func goCfg() imageConfig {
	return imageConfig{workdir: "/go", env: []string{"PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "GOPATH=/go"}}
}

func nginxSteps(min, max int64) []step {
	return []step{md("LABEL maintainer=NGINX Docker Maintainers <docker-maint@nginx.com>"), md("ENV NGINX_VERSION={v}"), md("ENV NJS_VERSION=0.8.2"), md("ENV PKG_RELEASE=1"),
		lay("RUN set -x && groupadd --system --gid 101 nginx && useradd --system --gid nginx --no-create-home --home /nonexistent --comment \"nginx user\" --shell /bin/false --uid 101 nginx && apt-get update && apt-get install --no-install-recommends --no-install-suggests -y nginx=${NGINX_VERSION}-${PKG_RELEASE}~$VERSION_CODENAME nginx-module-njs=${NGINX_VERSION}+${NJS_VERSION}-${PKG_RELEASE}~$VERSION_CODENAME gettext-base curl && rm -rf /var/lib/apt/lists/* && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log", min, max),
		lay("COPY file:{h} in / ", 1620, 1620), lay("COPY file:{h} in /docker-entrypoint.d ", 2125, 2125),
		lay("COPY file:{h} in /docker-entrypoint.d ", 3018, 3018), lay("COPY file:{h} in /docker-entrypoint.d ", 4619, 4619),
		md(`ENTRYPOINT ["/docker-entrypoint.sh"]`), md("EXPOSE 80"), md("STOPSIGNAL SIGQUIT"), md(`CMD ["nginx" "-g" "daemon off;"]`)}
}

func nginxCfg() imageConfig {
	return imageConfig{entrypoint: []string{"/docker-entrypoint.sh"}, cmd: []string{"nginx", "-g", "daemon off;"}, ports: []string{"80/tcp"},
		labels: map[string]string{"maintainer": "NGINX Docker Maintainers <docker-maint@nginx.com>"}}
}

func redisSteps(group, min, max int64) []step {
	return []step{lay("RUN set -eux; groupadd -r -g 999 redis; useradd -r -g redis -u 999 redis", group, group+100),
		lay("RUN set -eux; apt-get update; apt-get install -y --no-install-recommends tzdata; rm -rf /var/lib/apt/lists/*", 1300*kB, 1500*kB),
		md("ENV GOSU_VERSION=1.17"), lay("RUN set -eux; wget -O /usr/local/bin/gosu \"https://github.com/tianon/gosu/releases/download/$GOSU_VERSION/gosu-$dpkgArch\"; chmod +x /usr/local/bin/gosu; gosu --version; gosu nobody true", 4100*kB, 4300*kB),
		md("ENV REDIS_VERSION={v}"),
		lay("RUN set -eux; wget -O redis.tar.gz \"$REDIS_DOWNLOAD_URL\"; mkdir -p /usr/src/redis; tar -xzf redis.tar.gz -C /usr/src/redis --strip-components=1; make -C /usr/src/redis -j \"$(nproc)\" all; make -C /usr/src/redis install; redis-cli --version; redis-server --version", min, max),
		lay("RUN mkdir /data && chown redis:redis /data", 0, 0), md("VOLUME [/data]"), md("WORKDIR /data"),
		lay("COPY file:{h} in /usr/local/bin/ ", 661, 661), md(`ENTRYPOINT ["docker-entrypoint.sh"]`), md("EXPOSE 6379"), md(`CMD ["redis-server"]`)}
}

func redisCfg() imageConfig {
	return imageConfig{workdir: "/data", entrypoint: []string{"docker-entrypoint.sh"}, cmd: []string{"redis-server"}, ports: []string{"6379/tcp"}, volumes: []string{"/data"}}
}

func postgresSteps(min, max int64) []step {
	return []step{lay("RUN set -ex; groupadd -r postgres --gid=999; useradd -r -g postgres --uid=999 --home-dir=/var/lib/postgresql --shell=/bin/bash postgres; mkdir -p /var/lib/postgresql; chown -R postgres:postgres /var/lib/postgresql", 330*kB, 334*kB),
		lay("RUN set -ex; apt-get update; apt-get install -y --no-install-recommends gnupg less; rm -rf /var/lib/apt/lists/*", 9*mB, 10*mB),
		md("ENV GOSU_VERSION=1.17"), lay("RUN set -eux; wget -O /usr/local/bin/gosu \"https://github.com/tianon/gosu/releases/download/$GOSU_VERSION/gosu-$dpkgArch\"; chmod +x /usr/local/bin/gosu; gosu --version; gosu nobody true", 4100*kB, 4300*kB),
		lay("RUN set -eux; if [ -f /etc/dpkg/dpkg.cfg.d/docker ]; then grep -q '/usr/share/locale' /etc/dpkg/dpkg.cfg.d/docker; sed -ri '/\\/usr\\/share\\/locale/d' /etc/dpkg/dpkg.cfg.d/docker; fi; apt-get update; apt-get install -y --no-install-recommends locales; rm -rf /var/lib/apt/lists/*; localedef -i en_US -c -f UTF-8 -A /usr/share/locale/locale.alias en_US.UTF-8", 24*mB, 26*mB),
		md("ENV LANG=en_US.utf8"), lay("RUN set -eux; apt-get update; apt-get install -y --no-install-recommends libnss-wrapper xz-utils zstd; rm -rf /var/lib/apt/lists/*", 4300*kB, 4500*kB),
		lay("RUN mkdir /docker-entrypoint-initdb.d", 0, 0), lay("RUN set -ex; key='B97B0AFCAA1A47F044F244A07FCC7D46ACCC4CF8'; export GNUPGHOME=\"$(mktemp -d)\"; gpg --batch --keyserver keyserver.ubuntu.com --recv-keys \"$key\"; gpg --batch --export \"$key\" > /etc/apt/trusted.gpg.d/postgres.gpg", 1100, 1200),
		md("ENV PG_MAJOR={m}"), md("ENV PATH=$PATH:/usr/lib/postgresql/{m}/bin"), md("ENV PG_VERSION={v}-1.pgdg120+1"),
		lay("RUN set -ex; export PYTHONDONTWRITEBYTECODE=1; dpkgArch=\"$(dpkg --print-architecture)\"; aptRepo=\"[ signed-by=/usr/local/share/keyrings/postgres.gpg.asc ] http://apt.postgresql.org/pub/repos/apt/ bookworm-pgdg main $PG_MAJOR\"; apt-get update; apt-get install -y --no-install-recommends \"postgresql-$PG_MAJOR=$PG_VERSION\"; rm -rf /var/lib/apt/lists/*; postgres --version", min, max),
		lay("RUN set -eux; dpkg-divert --add --rename --divert \"/usr/share/postgresql/postgresql.conf.sample.dpkg\" \"/usr/share/postgresql/$PG_MAJOR/postgresql.conf.sample\"; cp -v /usr/share/postgresql/postgresql.conf.sample.dpkg /usr/share/postgresql/postgresql.conf.sample", 29*kB, 30*kB),
		lay("RUN mkdir -p /var/run/postgresql && chown -R postgres:postgres /var/run/postgresql && chmod 3777 /var/run/postgresql", 0, 0),
		md("ENV PGDATA=/var/lib/postgresql/data"), lay(`RUN mkdir -p "$PGDATA" && chown -R postgres:postgres "$PGDATA" && chmod 1777 "$PGDATA"`, 0, 0),
		md("VOLUME [/var/lib/postgresql/data]"), lay("COPY multi:{h} in /usr/local/bin/ ", 12*kB, 13*kB), md(`ENTRYPOINT ["docker-entrypoint.sh"]`),
		md("STOPSIGNAL SIGINT"), md("EXPOSE 5432"), md(`CMD ["postgres"]`)}
}

func postgresCfg(major string) imageConfig {
	return imageConfig{entrypoint: []string{"docker-entrypoint.sh"}, cmd: []string{"postgres"}, ports: []string{"5432/tcp"}, volumes: []string{"/var/lib/postgresql/data"},
		env: []string{"PG_MAJOR=" + major, "PGDATA=/var/lib/postgresql/data", "LANG=en_US.utf8"}}
}

func traefikSteps() []step {
	return []step{lay("RUN apk --no-cache add ca-certificates tzdata", 3100*kB, 3300*kB),
		lay("RUN set -ex; apkArch=\"$(apk --print-arch)\"; wget --quiet -O /tmp/traefik.tar.gz \"https://github.com/traefik/traefik/releases/download/v{v}/traefik_v{v}_linux_$arch.tar.gz\"; tar xzvf /tmp/traefik.tar.gz -C /usr/local/bin traefik; rm -f /tmp/traefik.tar.gz; chmod +x /usr/local/bin/traefik", 135*mB, 165*mB),
		lay("COPY file:{h} in / ", 325, 325), md("EXPOSE 80"), md(`ENTRYPOINT ["/entrypoint.sh"]`), md(`CMD ["traefik"]`),
		md("LABEL org.opencontainers.image.vendor=Traefik Labs org.opencontainers.image.url=https://traefik.io org.opencontainers.image.title=Traefik")}
}

func traefikCfg() imageConfig {
	return imageConfig{entrypoint: []string{"/entrypoint.sh"}, cmd: []string{"traefik"}, ports: []string{"80/tcp"},
		labels: map[string]string{"org.opencontainers.image.vendor": "Traefik Labs", "org.opencontainers.image.url": "https://traefik.io", "org.opencontainers.image.title": "Traefik"}}
}

func temurinSteps(min, max int64) []step {
	return []step{md("ENV JAVA_HOME=/opt/java/openjdk"), md("ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), md("ENV LANG=en_US.UTF-8 LANGUAGE=en_US:en LC_ALL=en_US.UTF-8"),
		lay("RUN set -eux; apt-get update; DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tzdata curl wget ca-certificates fontconfig locales p11-kit binutils; echo \"en_US.UTF-8 UTF-8\" >> /etc/locale.gen; locale-gen en_US.UTF-8; rm -rf /var/lib/apt/lists/*", 40*mB, 46*mB),
		md("ENV JAVA_VERSION=jdk-{v}"),
		lay("RUN set -eux; ARCH=\"$(dpkg --print-architecture)\"; wget --progress=dot:giga -O /tmp/openjdk.tar.gz ${BINARY_URL}; mkdir -p \"$JAVA_HOME\"; tar --extract --file /tmp/openjdk.tar.gz --directory \"$JAVA_HOME\" --strip-components 1 --no-same-owner; rm -f /tmp/openjdk.tar.gz ${JAVA_HOME}/lib/src.zip", min, max),
		lay("RUN set -eux; echo \"Verifying install ...\"; fileEncoding=\"$(echo 'System.out.println(System.getProperty(\"file.encoding\"))' | jshell -s -)\"; [ \"$fileEncoding\" = 'UTF-8' ]; echo \"javac --version\"; javac --version; echo \"java --version\"; java --version; echo \"Complete.\"", 0, 0),
		lay("COPY file:{h} in /__cacert_entrypoint.sh ", 1800, 1900), md(`ENTRYPOINT ["/__cacert_entrypoint.sh"]`), md(`CMD ["jshell"]`)}
}

func temurinCfg() imageConfig {
	return imageConfig{entrypoint: []string{"/__cacert_entrypoint.sh"}, cmd: []string{"jshell"}, env: []string{"JAVA_HOME=/opt/java/openjdk", "LANG=en_US.UTF-8"}}
}

// pullSpec is a set of references pulled together, pulls times over the
// two years; every pull gets the family's newest release then.
type pullSpec struct {
	refs  []string
	fam   string
	pulls int
}

var pulls = []pullSpec{
	{[]string{"debian:bookworm"}, "debian-bookworm", 2},
	{[]string{"debian:bookworm-slim"}, "debian-bookworm-slim", 2},
	{[]string{"debian:bullseye-slim"}, "debian-bullseye-slim", 1},
	{[]string{"ubuntu:22.04"}, "ubuntu-jammy", 3},
	{[]string{"ubuntu:24.04", "ubuntu:latest"}, "ubuntu-noble", 2},
	{[]string{"alpine:3.18"}, "alpine-3.18", 2},
	{[]string{"alpine:3.19"}, "alpine-3.19", 2},
	{[]string{"alpine:3.20", "alpine:latest"}, "alpine-3.20", 2},
	{[]string{"busybox:latest"}, "busybox", 1},
	{[]string{"hello-world:latest"}, "hello-world", 1},
	{[]string{"gcr.io/distroless/static-debian12:nonroot"}, "distroless-static", 1},
	{[]string{"node:18"}, "node-18", 2},
	{[]string{"node:20", "node:lts"}, "node-20", 2},
	{[]string{"node:20"}, "node-20", 2},
	{[]string{"node:20-slim"}, "node-20-slim", 3},
	{[]string{"node:20-alpine"}, "node-20-alpine", 3},
	{[]string{"node:22"}, "node-22", 2},
	{[]string{"python:3.11"}, "python-3.11", 2},
	{[]string{"python:3.12"}, "python-3.12", 3},
	{[]string{"python:3.11-slim"}, "python-3.11-slim", 2},
	{[]string{"python:3.12-slim", "python:3-slim"}, "python-3.12-slim", 3},
	{[]string{"python:3.12-alpine"}, "python-3.12-alpine", 1},
	{[]string{"golang:1.21"}, "golang-1.21", 2},
	{[]string{"golang:1.22"}, "golang-1.22", 3},
	{[]string{"golang:1.23"}, "golang-1.23", 2},
	{[]string{"golang:1.22-alpine"}, "golang-1.22-alpine", 2},
	{[]string{"nginx:1.25", "nginx:latest"}, "nginx-1.25", 2},
	{[]string{"nginx:1.25-alpine"}, "nginx-1.25-alpine", 3},
	{[]string{"nginx:1.27-alpine"}, "nginx-1.27-alpine", 2},
	{[]string{"redis:7"}, "redis-7", 2},
	{[]string{"redis:7-alpine"}, "redis-7-alpine", 3},
	{[]string{"postgres:15"}, "postgres-15", 3},
	{[]string{"postgres:16", "postgres:latest"}, "postgres-16", 3},
	{[]string{"postgres:16-alpine"}, "postgres-16-alpine", 2},
	{[]string{"mysql:8.0"}, "mysql-8", 2},
	{[]string{"mongo:7"}, "mongo-7", 2},
	{[]string{"rabbitmq:3-management"}, "rabbitmq-3", 2},
	{[]string{"memcached:1.6"}, "memcached", 1},
	{[]string{"httpd:2.4"}, "httpd", 2},
	{[]string{"traefik:v2.10"}, "traefik-2", 2},
	{[]string{"traefik:v3.0"}, "traefik-3", 1},
	{[]string{"grafana/grafana:10.2.0"}, "grafana", 1},
	{[]string{"prom/prometheus:v2.48.0"}, "prometheus", 1},
	{[]string{"registry:2"}, "registry-2", 1},
	{[]string{"docker:24-dind"}, "docker-dind", 1},
	{[]string{"elasticsearch:8.11.1"}, "elasticsearch-8", 1},
	{[]string{"eclipse-temurin:17-jdk"}, "temurin-17", 2},
	{[]string{"eclipse-temurin:21-jdk"}, "temurin-21", 2},
	{[]string{"maven:3.9-eclipse-temurin-17"}, "maven-3.9", 2},
	{[]string{"rust:1"}, "rust-1", 2},
	{[]string{"localstack/localstack:latest"}, "localstack", 2},
}

// teamSpec is one of the team's own repositories, built over and over.
type teamSpec struct {
	repo   string
	weight float64
	start  int // days ago of the first build
	// bases are the FROM families (the newest released wins); legacyFrom
	// is a tag of the image store instead (legacy builder).
	bases      []string
	legacyFrom string
	legacy     bool
	steps      []step
	// stage is a builder stage (multi-stage build) whose layers stay in
	// the build cache only.
	stageBases []string
	stage      []step
	tagStyle   string // semver, date, latest
	registry   bool   // release builds are also tagged for the registry
	cacheMount []string
	context    [2]int64 // size range of the build context
	cfg        imageConfig
}

var teams = []teamSpec{
	{repo: "myteam/base", weight: 0.012, start: 560, legacy: true, legacyFrom: "ubuntu:22.04", tagStyle: "date",
		steps: []step{lay("RUN apt-get update && apt-get install -y --no-install-recommends build-essential ca-certificates curl git jq unzip && rm -rf /var/lib/apt/lists/*", 320*mB, 360*mB),
			dep("RUN useradd -m -u 1001 builder", 330*kB, 336*kB), md("ENV LANG=C.UTF-8"), md("WORKDIR /work")},
		cfg: imageConfig{workdir: "/work", env: []string{"LANG=C.UTF-8"}}},
	{repo: "ci/builder", weight: 0.045, start: 520, legacy: true, legacyFrom: "myteam/base:latest", tagStyle: "date",
		steps: []step{dep("RUN curl -fsSL https://go.dev/dl/go1.22.5.linux-amd64.tar.gz | tar -C /usr/local -xz", 480*mB, 520*mB),
			dep("RUN curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y nodejs && rm -rf /var/lib/apt/lists/*", 170*mB, 190*mB),
			md("ENV PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
			lay("COPY dir:{h} in /opt/ci/ ", 50*kB, 200*kB), md(`ENTRYPOINT ["/opt/ci/run.sh"]`)},
		cfg: imageConfig{entrypoint: []string{"/opt/ci/run.sh"}}},
	{repo: "myteam/api", weight: 0.22, start: 600, bases: []string{"node-20-slim"}, tagStyle: "semver", registry: true,
		cacheMount: []string{"/root/.npm"}, context: [2]int64{2 * mB, 40 * mB},
		steps: []step{md("WORKDIR /app"), md("ENV NODE_ENV=production"), dep("COPY package.json package-lock.json ./", 400*kB, 900*kB),
			dep("RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev", 140*mB, 320*mB), lay("COPY . .", 3*mB, 18*mB),
			lay("RUN npm run build", 10*mB, 45*mB), md("USER node"), md("EXPOSE map[3000/tcp:{}]"), md(`CMD ["node" "dist/server.js"]`)},
		cfg: imageConfig{workdir: "/app", user: "node", env: []string{"NODE_ENV=production"}, cmd: []string{"node", "dist/server.js"}, ports: []string{"3000/tcp"}}},
	{repo: "myteam/web", weight: 0.18, start: 560, bases: []string{"nginx-1.25-alpine", "nginx-1.27-alpine"}, tagStyle: "semver", registry: true,
		stageBases: []string{"node-20-alpine"}, cacheMount: []string{"/root/.npm"}, context: [2]int64{5 * mB, 120 * mB},
		stage: []step{md("WORKDIR /app"), dep("COPY package.json package-lock.json ./", 500*kB, 1200*kB),
			dep("RUN --mount=type=cache,target=/root/.npm npm ci", 250*mB, 450*mB), lay("COPY . .", 5*mB, 25*mB), lay("RUN npm run build", 15*mB, 60*mB)},
		steps: []step{lay("COPY /app/dist /usr/share/nginx/html", 3*mB, 30*mB), dep("COPY nginx.conf /etc/nginx/conf.d/default.conf", 1200, 1800), md("EXPOSE map[80/tcp:{}]")}},
	{repo: "myteam/worker", weight: 0.15, start: 580, bases: []string{"python-3.12-slim"}, tagStyle: "semver", registry: true,
		cacheMount: []string{"/root/.cache/pip"}, context: [2]int64{1 * mB, 15 * mB},
		steps: []step{md("WORKDIR /srv"), md("ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1"), dep("COPY requirements.txt .", 1*kB, 3*kB),
			dep("RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt", 90*mB, 260*mB), lay("COPY . .", 1*mB, 8*mB),
			md("USER 1000"), md(`CMD ["python" "-m" "worker"]`)},
		cfg: imageConfig{workdir: "/srv", user: "1000", env: []string{"PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1"}, cmd: []string{"python", "-m", "worker"}}},
	{repo: "myteam/auth", weight: 0.12, start: 430, bases: []string{"distroless-static"}, tagStyle: "semver", registry: true,
		stageBases: []string{"golang-1.22-alpine"}, cacheMount: []string{"/root/.cache/go-build", "/go/pkg/mod"}, context: [2]int64{1 * mB, 6 * mB},
		stage: []step{md("WORKDIR /src"), dep("COPY go.mod go.sum ./", 6*kB, 12*kB), dep("RUN --mount=type=cache,target=/go/pkg/mod go mod download", 80*mB, 150*mB),
			lay("COPY . .", 2*mB, 6*mB), lay("RUN --mount=type=cache,target=/root/.cache/go-build CGO_ENABLED=0 go build -trimpath -o /out/auth ./cmd/auth", 20*mB, 35*mB)},
		steps: []step{lay("COPY /out/auth /auth", 14*mB, 24*mB), md("USER nonroot:nonroot"), md(`ENTRYPOINT ["/auth"]`)},
		cfg:   imageConfig{entrypoint: []string{"/auth"}, user: "nonroot:nonroot"}},
	{repo: "myteam/ml", weight: 0.035, start: 400, bases: []string{"python-3.11"}, tagStyle: "semver",
		cacheMount: []string{"/root/.cache/pip"}, context: [2]int64{300 * mB, 900 * mB},
		steps: []step{md("WORKDIR /model"), dep("COPY requirements.txt .", 1*kB, 2*kB),
			dep("RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt", 2100*mB, 2700*mB),
			lay("COPY models/ models/", 300*mB, 900*mB), lay("COPY . .", 2*mB, 5*mB), md(`CMD ["python" "serve.py"]`)},
		cfg: imageConfig{workdir: "/model", cmd: []string{"python", "serve.py"}}},
	{repo: "myteam/docs", weight: 0.06, start: 500, bases: []string{"nginx-1.25-alpine", "nginx-1.27-alpine"}, tagStyle: "latest",
		stageBases: []string{"python-3.12-slim"}, context: [2]int64{30 * mB, 90 * mB},
		stage: []step{md("WORKDIR /docs"), dep("COPY requirements.txt .", 1*kB, 2*kB), dep("RUN pip install --no-cache-dir -r requirements.txt", 55*mB, 70*mB),
			lay("COPY . .", 30*mB, 90*mB), lay("RUN mkdocs build -d /site", 20*mB, 80*mB)},
		steps: []step{lay("COPY /site /usr/share/nginx/html", 20*mB, 80*mB)}},
	{repo: "myteam/e2e", weight: 0.03, start: 450, bases: []string{"node-20"}, tagStyle: "latest",
		cacheMount: []string{"/root/.npm"}, context: [2]int64{2 * mB, 12 * mB},
		steps: []step{md("WORKDIR /e2e"), dep("COPY package.json package-lock.json ./", 300*kB, 600*kB), dep("RUN npm ci", 300*mB, 500*mB),
			dep("RUN npx playwright install --with-deps chromium firefox", 900*mB, 1200*mB), lay("COPY . .", 2*mB, 10*mB), md(`CMD ["npx" "playwright" "test"]`)},
		cfg: imageConfig{workdir: "/e2e", cmd: []string{"npx", "playwright", "test"}}},
	{repo: "ci/runner", weight: 0.055, start: 540, bases: []string{"ubuntu-jammy", "ubuntu-noble"}, tagStyle: "date", context: [2]int64{10 * kB, 60 * kB},
		steps: []step{dep("RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl git jq make openssh-client unzip zip && rm -rf /var/lib/apt/lists/*", 280*mB, 320*mB),
			dep("RUN curl -fsSL https://download.docker.com/linux/static/stable/x86_64/docker-24.0.7.tgz | tar -xz --strip-components=1 -C /usr/local/bin docker/docker", 55*mB, 62*mB),
			dep("RUN useradd -m -u 1001 runner", 330*kB, 336*kB), lay("COPY entrypoint.sh /entrypoint.sh", 1*kB, 3*kB), md("USER runner"), md(`ENTRYPOINT ["/entrypoint.sh"]`)},
		cfg: imageConfig{user: "runner", entrypoint: []string{"/entrypoint.sh"}}},
	{repo: "test", weight: 0.03, start: 300, bases: []string{"node-20-alpine"}, tagStyle: "latest", context: [2]int64{50 * mB, 200 * mB},
		steps: []step{md("WORKDIR /app"), lay("COPY . .", 20*mB, 120*mB), lay("RUN npm install", 60*mB, 180*mB), md(`CMD ["npm" "start"]`)},
		cfg:   imageConfig{workdir: "/app", cmd: []string{"npm", "start"}}},
	{repo: "demo-app", weight: 0.025, start: 350, bases: []string{"python-3.12-slim"}, tagStyle: "latest", context: [2]int64{10 * kB, 200 * kB},
		steps: []step{md("WORKDIR /app"), dep("RUN pip install --no-cache-dir flask gunicorn", 14*mB, 17*mB), lay("COPY app.py .", 2*kB, 9*kB), md(`CMD ["gunicorn" "-b" "0.0.0.0:8000" "app:app"]`)},
		cfg:   imageConfig{workdir: "/app", cmd: []string{"gunicorn", "-b", "0.0.0.0:8000", "app:app"}, ports: []string{"8000/tcp"}}},
	{repo: "scratchpad", weight: 0.02, start: 250, bases: []string{"alpine-3.19", "alpine-3.20"}, tagStyle: "latest", context: [2]int64{1 * kB, 20 * kB},
		steps: []step{dep("RUN apk add --no-cache curl jq bind-tools", 5*mB, 7*mB), lay("COPY check.sh /usr/local/bin/check", 1*kB, 4*kB), md(`ENTRYPOINT ["check"]`)},
		cfg:   imageConfig{entrypoint: []string{"check"}}},
}

// Compose projects: their containers, named volumes and networks.
type svcSpec struct {
	name    string
	ref     string
	vols    [][2]string // named volume (without the project prefix) → destination
	binds   [][2]string
	ports   [][2]uint16 // public, private
	backend bool        // also on the project's backend network
	rw      [2]int64
	exit    int
}

type projSpec struct {
	name     string
	state    string     // running, exited, created
	up       [2]float64 // days ago of the last "up"
	services []svcSpec
	backend  bool
}

var projects = []projSpec{
	{name: "shop", state: "running", up: [2]float64{0.4, 3}, backend: true, services: []svcSpec{
		{name: "db", ref: "postgres:16", vols: [][2]string{{"pgdata", "/var/lib/postgresql/data"}}, backend: true, rw: [2]int64{60 * kB, 2 * mB}},
		{name: "cache", ref: "redis:7-alpine", vols: [][2]string{{"redis-data", "/data"}}, backend: true, rw: [2]int64{0, 20 * kB}},
		{name: "api", ref: "myteam/api:latest", ports: [][2]uint16{{3000, 3000}}, backend: true, rw: [2]int64{1 * mB, 30 * mB}},
		{name: "web", ref: "myteam/web:latest", ports: [][2]uint16{{8080, 80}}, rw: [2]int64{1200, 40 * kB}},
		{name: "worker", ref: "myteam/worker:latest", backend: true, rw: [2]int64{200 * kB, 12 * mB}},
	}},
	{name: "billing", state: "running", up: [2]float64{5, 20}, services: []svcSpec{
		{name: "db", ref: "postgres:15", vols: [][2]string{{"pgdata", "/var/lib/postgresql/data"}}, rw: [2]int64{60 * kB, 2 * mB}},
		{name: "api", ref: "myteam/api:@release", ports: [][2]uint16{{3100, 3000}}, rw: [2]int64{2 * mB, 60 * mB}},
		{name: "proxy", ref: "nginx:1.25-alpine", ports: [][2]uint16{{8443, 443}}, binds: [][2]string{{"/home/dev/src/billing/nginx.conf", "/etc/nginx/nginx.conf"}}, rw: [2]int64{1200, 10 * kB}},
	}},
	{name: "monitoring", state: "running", up: [2]float64{20, 60}, services: []svcSpec{
		{name: "prometheus", ref: "prom/prometheus:v2.48.0", vols: [][2]string{{"prometheus-data", "/prometheus"}}, ports: [][2]uint16{{9090, 9090}}, binds: [][2]string{{"/home/dev/src/monitoring/prometheus.yml", "/etc/prometheus/prometheus.yml"}}, rw: [2]int64{0, 4 * kB}},
		{name: "grafana", ref: "grafana/grafana:10.2.0", vols: [][2]string{{"grafana-data", "/var/lib/grafana"}}, ports: [][2]uint16{{3001, 3000}}, rw: [2]int64{20 * kB, 3 * mB}},
	}},
	{name: "docs", state: "running", up: [2]float64{1, 4}, services: []svcSpec{
		{name: "docs", ref: "myteam/docs:latest", ports: [][2]uint16{{8081, 80}}, rw: [2]int64{1200, 20 * kB}},
	}},
	{name: "analytics", state: "exited", up: [2]float64{30, 90}, services: []svcSpec{
		{name: "mongo", ref: "mongo:7", vols: [][2]string{{"mongo-data", "/data/db"}}, rw: [2]int64{100 * kB, 5 * mB}, exit: 0},
		{name: "etl", ref: "myteam/worker:@release", rw: [2]int64{1 * mB, 80 * mB}, exit: 0},
	}},
	{name: "legacy-crm", state: "exited", up: [2]float64{200, 400}, services: []svcSpec{
		{name: "db", ref: "mysql:8.0", vols: [][2]string{{"mysql-data", "/var/lib/mysql"}}, rw: [2]int64{100 * kB, 3 * mB}, exit: 0},
		{name: "app", ref: "httpd:2.4", binds: [][2]string{{"/home/dev/src/legacy-crm/htdocs", "/usr/local/apache2/htdocs"}}, rw: [2]int64{2 * kB, 300 * kB}, exit: 0},
		{name: "cache", ref: "memcached:1.6", rw: [2]int64{0, 2 * kB}, exit: 255},
	}},
	{name: "e2e", state: "exited", up: [2]float64{3, 15}, services: []svcSpec{
		{name: "db", ref: "postgres:16-alpine", rw: [2]int64{60 * kB, 1 * mB}, exit: 0},
		{name: "app", ref: "myteam/api:latest", rw: [2]int64{1 * mB, 20 * mB}, exit: 137},
		{name: "tests", ref: "myteam/e2e:latest", rw: [2]int64{150 * mB, 900 * mB}, exit: 1},
	}},
	{name: "search", state: "exited", up: [2]float64{60, 200}, services: []svcSpec{
		{name: "es", ref: "elasticsearch:8.11.1", vols: [][2]string{{"es-data", "/usr/share/elasticsearch/data"}}, ports: [][2]uint16{{9200, 9200}}, rw: [2]int64{5 * mB, 60 * mB}, exit: 137},
	}},
	{name: "queue", state: "created", up: [2]float64{1, 2}, services: []svcSpec{
		{name: "rabbitmq", ref: "rabbitmq:3-management", vols: [][2]string{{"rabbitmq-data", "/var/lib/rabbitmq"}}, ports: [][2]uint16{{15672, 15672}}},
	}},
}

// Named volumes of projects that are gone, and other leftovers.
var strayVolumes = []struct {
	name    string
	project string
	min     int64
	max     int64
}{
	{"oldshop_pgdata", "oldshop", 300 * mB, 2500 * mB},
	{"poc-kafka_kafka-data", "poc-kafka", 200 * mB, 1800 * mB},
	{"poc-kafka_zookeeper-data", "poc-kafka", 100 * kB, 5 * mB},
	{"hackathon_db-data", "hackathon", 50 * mB, 600 * mB},
	{"test_pgdata", "test", 40 * mB, 200 * mB},
	{"jenkins_home", "", 800 * mB, 4 * gB},
	{"myteam-api_node_modules", "myteam-api", 250 * mB, 600 * mB},
	{"portainer_data", "", 100 * kB, 1 * mB},
	{"minio-data", "", 1 * gB, 6 * gB},
}

var strayNetworks = []struct{ name, project string }{
	{"oldshop_default", "oldshop"}, {"poc-kafka_default", "poc-kafka"}, {"hackathon_default", "hackathon"}, {"ci-net", ""}, {"testnet", ""},
}

// Docker's names generator, abridged.
var nameLeft = []string{"admiring", "adoring", "affectionate", "agitated", "amazing", "angry", "awesome", "beautiful", "blissful", "bold", "boring", "brave", "busy", "charming", "clever", "compassionate", "competent", "condescending", "confident", "cool", "cranky", "crazy", "dazzling", "determined", "distracted", "dreamy", "eager", "ecstatic", "elastic", "elated", "elegant", "eloquent", "epic", "exciting", "fervent", "festive", "flamboyant", "focused", "friendly", "frosty", "funny", "gallant", "gifted", "goofy", "gracious", "great", "happy", "hardcore", "heuristic", "hopeful", "hungry", "infallible", "inspiring", "intelligent", "interesting", "jolly", "jovial", "keen", "kind", "laughing", "loving", "lucid", "magical", "modest", "musing", "mystifying", "naughty", "nervous", "nice", "nifty", "nostalgic", "objective", "optimistic", "peaceful", "pedantic", "pensive", "practical", "priceless", "quirky", "quizzical", "recursing", "relaxed", "reverent", "romantic", "sad", "serene", "sharp", "silly", "sleepy", "stoic", "strange", "stupefied", "suspicious", "sweet", "tender", "thirsty", "trusting", "unruffled", "upbeat", "vibrant", "vigilant", "vigorous", "wizardly", "wonderful", "xenodochial", "youthful", "zealous", "zen"}

var nameRight = []string{"agnesi", "albattani", "allen", "almeida", "archimedes", "ardinghelli", "aryabhata", "austin", "babbage", "banach", "bardeen", "bartik", "bassi", "bell", "benz", "bhabha", "bhaskara", "blackwell", "bohr", "booth", "borg", "bose", "boyd", "brahmagupta", "brattain", "brown", "burnell", "cannon", "carson", "cartwright", "cerf", "chandrasekhar", "chatterjee", "chaum", "clarke", "colden", "cori", "cray", "curie", "darwin", "davinci", "dewdney", "dhawan", "diffie", "dijkstra", "dirac", "driscoll", "dubinsky", "easley", "edison", "einstein", "elbakyan", "elgamal", "elion", "ellis", "engelbart", "euclid", "euler", "faraday", "feistel", "fermat", "fermi", "feynman", "franklin", "galileo", "gates", "goldberg", "goldstine", "goldwasser", "golick", "goodall", "gould", "greider", "grothendieck", "haibt", "hamilton", "haslett", "hawking", "heisenberg", "hellman", "hermann", "herschel", "hertz", "heyrovsky", "hodgkin", "hofstadter", "hoover", "hopper", "hugle", "hypatia", "jackson", "jang", "jemison", "jennings", "jepsen", "johnson", "joliot", "jones", "kalam", "kapitsa", "kare", "keldysh", "keller", "kepler", "khayyam", "khorana", "kilby", "kirch", "knuth", "kowalevski", "lalande", "lamarr", "lamport", "leakey", "leavitt", "lederberg", "lehmann", "lewin", "lichterman", "liskov", "lovelace", "lumiere", "mahavira", "margulis", "matsumoto", "maxwell", "mayer", "mccarthy", "mcclintock", "mclaren", "mclean", "mcnulty", "meitner", "mendel", "mendeleev", "meninsky", "merkle", "mestorf", "mirzakhani", "montalcini", "moore", "morse", "moser", "murdock", "napier", "nash", "neumann", "newton", "nightingale", "nobel", "noether", "northcutt", "noyce", "panini", "pare", "pascal", "pasteur", "payne", "perlman", "pike", "poincare", "poitras", "proskuriakova", "ptolemy", "raman", "ramanujan", "rhodes", "ride", "ritchie", "robinson", "roentgen", "rosalind", "rubin", "saha", "sammet", "sanderson", "satoshi", "shamir", "shannon", "shaw", "shirley", "shockley", "shtern", "sinoussi", "snyder", "solomon", "spence", "stonebraker", "sutherland", "swanson", "swartz", "swirles", "taussig", "tesla", "tharp", "thompson", "torvalds", "tu", "turing", "varahamihira", "vaughan", "villani", "visvesvaraya", "volhard", "wescoff", "wilbur", "wiles", "williams", "williamson", "wilson", "wing", "wozniak", "wright", "wu", "yalow", "yonath", "zhukovsky"}

// Ad-hoc commands people run.
var adhocCmds = [][]string{{"bash"}, {"sh"}, {"sh", "-c", "echo hello"}, {"npm", "test"}, {"python", "-c", "import sys; print(sys.version)"}, {"go", "version"},
	{"node", "-e", "console.log(process.versions)"}, {"cat", "/etc/os-release"}, {"make", "test"}, {"pytest", "-x"}, {"/bin/sh", "-c", "sleep 3600"}}

var exitCodes = []struct {
	code   int
	weight int
}{{0, 60}, {1, 15}, {137, 10}, {130, 8}, {143, 5}, {2, 2}}
