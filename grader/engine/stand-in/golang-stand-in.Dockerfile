# An offline stand-in for an official golang:X.Y image: Debian's own Go toolchain moved to /usr/local/go (see
# install-go.sh) on a Debian with the C toolchain and version-control tools the official image has, so cgo is on
# by default as there. The result is copied into one layer, so that Debian's Go packages, removed in the build,
# take no room in the image.
ARG DEBIAN_BASE
FROM ${DEBIAN_BASE} AS build
ARG GO_MINOR
COPY install-go.sh /tmp/lab-grader/
RUN sh /tmp/lab-grader/install-go.sh "$GO_MINOR" && rm -rf /tmp/lab-grader

FROM scratch
COPY --from=build / /
# The official image's environment, in its order (PATH first, from debian:<suite>); GOLANG_VERSION is the release
# Debian packaged.
ARG GOLANG_VERSION
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENV GOLANG_VERSION=${GOLANG_VERSION}
ENV GOTOOLCHAIN=local
ENV GOPATH=/go
ENV PATH=$GOPATH/bin:/usr/local/go/bin:$PATH
WORKDIR /go
CMD ["bash"]
