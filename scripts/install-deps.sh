#!/usr/bin/env bash
# Installs what webvps needs to build and test, from Debian's packages. Idempotent: packages
# already installed are not touched, and apt's lists are refreshed only when something is missing.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also what the benchmarks compare against
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config git
  libboost-dev libmicrohttpd-dev libssl-dev libspdlog-dev libfmt-dev libyaml-cpp-dev
  nlohmann-json3-dev libgtest-dev libgmock-dev googletest clang-format
  # fuzzing (scripts/fuzz.sh): clang with libFuzzer and the sanitizers' runtimes
  clang libclang-rt-14-dev
  # images: the base image is made locally where no registry answers
  debootstrap docker-compose
  # integration and end-to-end tests (aiosmtpd: the SMTP server the mail tests talk to;
  # postfix with Cyrus SASL: the real relay, STARTTLS and AUTH, tests/e2e/postfix_relay.py)
  python3 python3-pytest python3-aiosmtpd curl openssh-client
  postfix sasl2-bin libsasl2-modules openssl
)
if [ "${1:-}" = --bench ]; then
  packages+=(gnuplot-nox hyperfine tini supervisor jailkit wrk)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "install-deps: installing ${missing[*]}"
# Postfix asks how to deliver mail: not at all. The tests run their own instances
# (postfix -c DIR); the system's one is left unconfigured and stopped.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
