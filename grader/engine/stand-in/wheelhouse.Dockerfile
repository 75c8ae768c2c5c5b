# The offline wheelhouse: Flask and its dependencies as py3-none-any wheels, repacked from Debian's own
# packages (the Python package index is not reachable), plus Debian's pip, setuptools and wheel wheels.
ARG DEBIAN_BASE
FROM ${DEBIAN_BASE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3-wheel python3-pip-whl python3-setuptools-whl python3-wheel-whl \
      python3-flask python3-importlib-metadata \
 && rm -rf /var/lib/apt/lists/*
COPY repack-debian-wheels.py /usr/local/lib/lab-grader/
# importlib-metadata is named on its own: Debian's Flask needs it only below Python 3.10, so apt leaves it out.
RUN python3 /usr/local/lib/lab-grader/repack-debian-wheels.py /wheelhouse python3-flask python3-importlib-metadata \
 && cp /usr/share/python-wheels/pip-*.whl /usr/share/python-wheels/setuptools-*.whl \
       /usr/share/python-wheels/wheel-*.whl /wheelhouse/
