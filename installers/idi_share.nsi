; NSIS script: a per-user installer (no administrator rights) for the PyInstaller folder dist\IDI Share.
; Build after PyInstaller (see installers/README.md; installers/build_windows.py does all of it on Linux):
;   py installers\uninstall_list.py "dist\IDI Share" > dist\uninstall_files.nsh
;   makensis /DVERSION=0.1.0 installers\idi_share.nsi
; DIST, UNINSTALL_LIST and OUTFILE may be given with /D to build from elsewhere.
Unicode true
!ifndef VERSION
  !define VERSION "0.1.0"
!endif
!ifndef DIST
  !define DIST "..\dist\IDI Share"
!endif
!ifndef UNINSTALL_LIST
  !define UNINSTALL_LIST "..\dist\uninstall_files.nsh"
!endif
!ifndef OUTFILE
  !define OUTFILE "..\dist\IDI-Share-${VERSION}-setup.exe"
!endif
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\IDI Share"
!define UNINSTALLER "Uninstall IDI Share.exe"

Name "IDI Share"
OutFile "${OUTFILE}"
RequestExecutionLevel user
InstallDir "$LOCALAPPDATA\Programs\IDI Share"
; An upgrade goes where the previous version is.
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
!ifdef QUICK
  ; A throwaway build (the smoke test's "previous version" to upgrade from): fast, not small.
  SetCompressor zlib
!else
  SetCompressor /SOLID lzma
  ; A dictionary larger than the two executables (each carries the same Python archive) stores it once.
  SetCompressorDictSize 64
!endif

Page directory
Page instfiles
UninstPage uninstConfirm
UninstPage instfiles

Section "IDI Share"
  ; Upgrade: the previous version's own uninstaller removes exactly its files (settings, receipts and
  ; logs are not among them), so no file of an older version lingers beside the new ones.
  IfFileExists "$INSTDIR\${UNINSTALLER}" 0 +2
    ExecWait '"$INSTDIR\${UNINSTALLER}" /S _?=$INSTDIR'
  SetOutPath "$INSTDIR"
  File /r "${DIST}\*.*"
  WriteUninstaller "$INSTDIR\${UNINSTALLER}"
  CreateDirectory "$SMPROGRAMS\IDI Share"
  CreateShortcut "$SMPROGRAMS\IDI Share\IDI Share.lnk" "$INSTDIR\IDI Share.exe"
  CreateShortcut "$DESKTOP\IDI Share.lnk" "$INSTDIR\IDI Share.exe"
  ; Per-user "Apps & features" entry (HKCU needs no administrator rights).
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "IDI Share"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "IDI Share"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" '"$INSTDIR\IDI Share.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\${UNINSTALLER}"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\${UNINSTALLER}" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  ; Exactly the files the installer put here, then each folder only if it is now empty: never
  ; `RMDir /r "$INSTDIR"`, which would also delete whatever else is in a folder the user chose.
  ; Settings, receipts and logs live in the user's AppData (installers/README.md) and are kept.
  !include /CHARSET=UTF8 "${UNINSTALL_LIST}"
  Delete "$INSTDIR\${UNINSTALLER}"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\IDI Share\IDI Share.lnk"
  RMDir "$SMPROGRAMS\IDI Share"
  Delete "$DESKTOP\IDI Share.lnk"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
SectionEnd
