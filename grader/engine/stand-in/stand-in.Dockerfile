# An offline stand-in for an official python:X.Y-slim image: Debian's own python3 moved to /usr/local as an
# installed Python (see install-python.sh), pip installing from a wheelhouse built into the image. The result
# is copied into one layer, so that Debian's Python, removed in the build, takes no room in the image.
ARG DEBIAN_BASE
ARG WHEELHOUSE
FROM ${WHEELHOUSE} AS wheelhouse

FROM ${DEBIAN_BASE} AS build
COPY --from=wheelhouse /wheelhouse /opt/lab-grader/wheelhouse
COPY pip.conf /etc/pip.conf
COPY install-python.sh unpatch-debian-python.py sitecustomize.py /tmp/lab-grader/
COPY ensurepip /tmp/lab-grader/ensurepip
RUN sh /tmp/lab-grader/install-python.sh /tmp/lab-grader && rm -rf /tmp/lab-grader

FROM scratch
COPY --from=build / /
# PATH as the official images set it (their ENV PATH=/usr/local/bin:$PATH on Docker's default).
ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 PIP_DISABLE_PIP_VERSION_CHECK=1
CMD ["python3"]
