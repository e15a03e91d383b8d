# The secretgate container image: the static musl release binary on Alpine, with git for
# `scan --diff`, `scan --staged` and `ci` (they read history through git).
#
# Built by the release workflow from the binaries it has already built, checked and
# attested (no second compile): the build context holds `secretgate-<arch>` for each
# platform, arch as Docker names it (amd64, arm64). To build one by hand:
#   cp target/x86_64-unknown-linux-musl/dist/secretgate context/secretgate-amd64
#   docker build --platform linux/amd64 -f Dockerfile context
#
#   docker run --rm -v "$PWD:/src" ghcr.io/secretgate/secretgate scan .
FROM alpine:3.22

ARG TARGETARCH
# git and the CA bundle follow alpine 3.22's security updates rather than a pinned build.
# hadolint ignore=DL3018
RUN apk add --no-cache git ca-certificates \
 && git config --system --add safe.directory '*' \
 && adduser -D -H -u 10001 secretgate
COPY --chmod=0755 secretgate-${TARGETARCH} /usr/local/bin/secretgate

USER 10001
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/secretgate"]
CMD ["scan", "."]
