"""Sending: a `CheckResult` -> the agreed extract -> OpenPGP-encrypted bytes -> SFTP upload -> a receipt.

The plaintext extract lives only in memory; secrets only in the credential store. Entry points:
`supply.prepare_supply` then `supply.send_supply` or `supply.save_supply`, `history` (receipts),
`credentials`. `transfer` does the upload (retries; `watchdog` holds each step to a deadline and honours Cancel,
`sftp_writes` pipelines the writes, `ssh_keys` reads a sign-in key, `transfer_errors` names each failure;
`sftp_target` says where to send without loading paramiko), `journal` remembers temporary files
left on a server until the next connection removes them, `key_files` reads key files safely.
`supplies` keeps the supplies set up in the window (settings folder, due dates, import/export),
`connection_test` tries each step of a send without data. `specification` writes the data specification
(.docx); `last_supply` compares a check with the last supply sent and remembers each sent one
(fingerprints from `checking.changes`, their key in `credentials`). Takes results from `checking`;
nothing earlier imports this stage.
"""
