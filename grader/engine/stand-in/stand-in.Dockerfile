# An offline stand-in for an official python:X.Y-slim image, on a debootstrapped Debian with its own Python.
# /usr/local is made a virtual environment so that, as on the official image, python/pip live in
# /usr/local/bin and `pip install` as root lands in /usr/local/lib/pythonX.Y/site-packages.
ARG DEBIAN_BASE
ARG WHEELHOUSE
FROM ${WHEELHOUSE} AS wheelhouse

FROM ${DEBIAN_BASE}
COPY --from=wheelhouse /wheelhouse /opt/lab-grader/wheelhouse
COPY pip.conf /etc/pip.conf
RUN rm -f /usr/lib/python3*/EXTERNALLY-MANAGED \
 && python3 -m venv /usr/local \
 && rm -f /usr/local/bin/activate* /usr/local/bin/Activate.ps1 \
 && /usr/local/bin/pip install --disable-pip-version-check --upgrade pip setuptools wheel \
 && rm -rf /root/.cache
ENV LANG=C.UTF-8 PIP_DISABLE_PIP_VERSION_CHECK=1
CMD ["python3"]
