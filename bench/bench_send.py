"""Sending speed beside OpenSSH and GnuPG, run side by side on the same bytes (issue 4's Speed section).

1. Upload: `core.sending.transfer.upload` of a random file (200 MB) to a loopback OpenSSH sshd, against OpenSSH's
   own `sftp -b` client putting the same bytes; both sign in with the same Ed25519 key and may use the
   same ciphers (the ones paramiko implements), so the ratio compares the implementations. Target >= 0.8x.
2. Encryption: `core.sending.crypto.encrypt_for` of an extract-like CSV (100 MB) against `gpg -z 0 --encrypt` of
   the same bytes to the same key. Target >= 0.3x. Then the peak memory of `encrypt_for` in a fresh child
   process, as a multiple of the extract size (plaintext included). Target < 4x.

Run: `.venv/bin/python bench/bench_send.py [--quick]` (the upload part needs root, like the tests' sshd:
it creates a throwaway account). Nothing here is personal data: the CSV rows are invented.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.sending.crypto import encrypt_for, load_recipient_key  # noqa: E402
from core.sending.sftp_session import open_transport  # noqa: E402
from core.sending.transfer import SftpTarget, upload  # noqa: E402
from core.sending.watchdog import Watchdog  # noqa: E402
from tests.integration import sshd_server  # noqa: E402

MB = 1_000_000
PARAMIKO_CIPHERS = "aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr"
MEMORY_PROBE = """
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from bench.bench_send import extract_like_csv
from core.sending.crypto import encrypt_for, load_recipient_key
recipient = load_recipient_key(Path(sys.argv[2]), None)
def rss_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
before = rss_kb()
plaintext = extract_like_csv(int(sys.argv[3]))
message = encrypt_for(recipient, plaintext)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"before_kb": before, "peak_kb": peak, "size": len(plaintext), "out": len(message)}))
"""


def best_of(repeats: int, work: Callable[[], object]) -> float:
    """The fastest of a few runs, in seconds (the one least disturbed by the rest of the machine)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def extract_like_csv(size: int) -> bytes:
    """About `size` bytes of CSV shaped like the extract (invented people); content does not affect speed."""
    given = ["Aroha", "Sione", "Mere", "Tama", "Losa", "Wiremu", "Ana", "Hemi", "Grace", "Tevita"]
    family = ["Ngata", "Fa'amausili", "Tipene", "Smith", "Tuilagi", "Pōmare", "Wong", "Patel", "Brown"]
    rows = [
        f"ZZZ{n % 1000:03d}{n % 10},{given[n % len(given)]},{family[n % len(family)]},"
        f"19{50 + n % 50}-{1 + n % 12:02d}-{1 + n % 28:02d},{'MFX'[n % 3]},2024-07-01,\r\n"
        for n in range(20_000)
    ]
    block = "".join(rows).encode("utf-8")
    header = b"nhi,given_name,family_name,dob,gender,start_date,end_date\r\n"
    return header + block * max(1, size // len(block))


# ---------------------------------------------------------------------------------------------- upload


def bench_upload(size: int, repeats: int, work: Path) -> None:
    print(f"-- upload of {size / MB:.0f} MB to a loopback OpenSSH sshd")
    base = Path(tempfile.mkdtemp(prefix="idi-bench-sftp-"))
    base.chmod(0o755)
    try:
        account = sshd_server.create_account(base)
    except sshd_server.ServiceUnavailable as reason:
        print(f"   skipped: {reason}")
        shutil.rmtree(base, ignore_errors=True)
        return
    server = None
    try:
        server = sshd_server.SshdServer(account, ("ed25519",)).start()
        run_upload_comparison(server, account, size, repeats, work)
    except sshd_server.ServiceUnavailable as reason:
        print(f"   skipped: {reason}")
    finally:
        if server is not None:
            server.cleanup()
        sshd_server.delete_account(account)
        shutil.rmtree(base, ignore_errors=True)


def run_upload_comparison(
    server: sshd_server.SshdServer, account: sshd_server.TestAccount, size: int, repeats: int, work: Path
) -> None:
    key = work / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    server.authorize(key.with_name("id_ed25519.pub"))
    folder = sshd_server.make_user_folder(account, "bench")
    data = os.urandom(size)
    source = work / "random.bin"
    source.write_bytes(data)
    known_hosts = work / "known_hosts"
    host_key = server.host_keys["ed25519"].with_suffix(".pub").read_text().split()[:2]
    known_hosts.write_text(f"[127.0.0.1]:{server.port} {' '.join(host_key)}\n")
    target = SftpTarget(
        host=server.host, port=server.port, username=account.name, remote_dir=str(folder), auth="key",
        key_file=key, host_key_sha256=server.host_key_fingerprint("ed25519"),
    )  # fmt: skip
    sftp_command = [
        "sftp", "-q", "-b", "-", "-i", str(key), "-P", str(server.port),
        "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", f"UserKnownHostsFile={known_hosts}",
        "-o", "StrictHostKeyChecking=yes", "-o", f"Ciphers={PARAMIKO_CIPHERS}", f"{account.name}@127.0.0.1",
    ]  # fmt: skip
    counter = iter(range(1_000_000))

    def openssh_put() -> None:
        batch = f"put {source} {folder}/openssh-{next(counter)}.bin\n"
        subprocess.run(sftp_command, input=batch, text=True, check=True, capture_output=True)

    def paramiko_put() -> None:
        upload(target, None, data, f"paramiko-{next(counter)}.bin", retries=0, timeout=60)

    print(
        f"   ciphers: paramiko {paramiko_cipher(target)}, OpenSSH sftp {openssh_cipher(sftp_command, source, folder)}"
    )
    openssh, ours = [], []
    for _ in range(repeats):  # interleaved, so both see the same machine
        openssh.append(best_of(1, openssh_put))
        ours.append(best_of(1, paramiko_put))
        clear_folder(folder)
    print(f"   runs (s): IDI Share {[round(t, 2) for t in ours]}, OpenSSH {[round(t, 2) for t in openssh]}")
    report("upload", size, min(ours), min(openssh), "OpenSSH sftp", target=0.8)


def paramiko_cipher(target: SftpTarget) -> str:
    with Watchdog(20, None) as watchdog:
        transport = open_transport(target, watchdog)
        try:
            return transport.local_cipher
        finally:
            transport.close()


def openssh_cipher(command: list[str], source: Path, folder: Path) -> str:
    verbose = [command[0], "-v", *(part for part in command[1:] if part != "-q")]
    result = subprocess.run(
        verbose, input=f"put {source} {folder}/probe.bin\n", text=True, capture_output=True
    )
    found = re.search(r"kex: client->server cipher: (\S+)", result.stderr)
    return found.group(1) if found else "unknown"


def clear_folder(folder: Path) -> None:
    for path in folder.iterdir():
        path.unlink()


# ------------------------------------------------------------------------------------------ encryption


def bench_encryption(size: int, repeats: int, work: Path) -> None:
    print(f"-- encryption of a {size / MB:.0f} MB extract-like CSV")
    if shutil.which("gpg") is None:
        print("   skipped: gpg is not installed")
        return
    home = Path(tempfile.mkdtemp(prefix="idi-bench-gpg-"))
    home.chmod(0o700)
    env = dict(os.environ, GNUPGHOME=str(home))
    try:
        key_file = make_gpg_key(env, work)
        recipient = load_recipient_key(key_file, None)
        plaintext = extract_like_csv(size)
        source = work / "extract.csv"
        source.write_bytes(plaintext)  # invented rows; gpg reads them from a file, as it usually would
        gpg = [
            "gpg", "--batch", "--quiet", "--yes", "--trust-model", "always", "-z", "0", "--encrypt",
            "--recipient", recipient.fingerprint, "--output", str(work / "extract.csv.gpg"), str(source),
        ]  # fmt: skip
        ours = best_of(repeats, lambda: encrypt_for(recipient, plaintext))
        theirs = best_of(repeats, lambda: subprocess.run(gpg, env=env, check=True))
        report("encryption", len(plaintext), ours, theirs, "gpg -z 0", target=0.3)
        report_memory(key_file, size)
    finally:
        subprocess.run(["gpgconf", "--kill", "all"], env=env, capture_output=True, check=False)
        shutil.rmtree(home, ignore_errors=True)


def make_gpg_key(env: dict[str, str], work: Path) -> Path:
    user_id = "IDI Bench <bench@example.org>"

    def gpg(*args: str) -> bytes:
        return subprocess.run(
            ["gpg", "--batch", "--quiet", *args], env=env, check=True, capture_output=True
        ).stdout

    gpg("--passphrase", "", "--quick-gen-key", user_id, "ed25519", "cert,sign", "never")
    listing = gpg("--with-colons", "--list-keys", user_id).decode()
    fingerprint = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
    gpg("--passphrase", "", "--quick-add-key", fingerprint, "cv25519", "encr", "never")
    path = work / "bench-public.asc"
    path.write_bytes(gpg("--armor", "--export", fingerprint))
    return path


def report_memory(key_file: Path, size: int) -> None:
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(ROOT), str(key_file), str(size)],
        capture_output=True,
        text=True,
        check=True,
    )
    probe = json.loads(result.stdout)
    grown = (probe["peak_kb"] - probe["before_kb"]) * 1024
    multiple = grown / probe["size"]
    verdict = "ok" if multiple < 4 else "ABOVE TARGET"
    print(
        f"   encrypt_for peak memory: {grown / MB:.0f} MB over the {probe['before_kb'] / 1024:.0f} MiB baseline "
        f"= {multiple:.2f}x the extract (plaintext included; target < 4x: {verdict})"
    )


def report(what: str, size: int, ours: float, theirs: float, baseline: str, target: float) -> None:
    ratio = theirs / ours
    verdict = "ok" if ratio >= target else "BELOW TARGET"
    print(f"   IDI Share: {size / MB / ours:8.1f} MB/s ({ours:.2f} s)")
    print(f"   {baseline}: {size / MB / theirs:8.1f} MB/s ({theirs:.2f} s)")
    print(f"   {what} ratio: {ratio:.2f}x (target >= {target}x: {verdict})")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (40 MB upload, 20 MB extract)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each side; the fastest counts")
    args = parser.parse_args(argv)
    upload_size, extract_size = (40 * MB, 20 * MB) if args.quick else (200 * MB, 100 * MB)
    with tempfile.TemporaryDirectory(prefix="idi-bench-") as folder:
        work = Path(folder)
        bench_upload(upload_size, args.repeats, work)
        bench_encryption(extract_size, args.repeats, work)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
