; NSIS script: a per-user installer (no administrator rights) for the PyInstaller folder dist\IDI Share.
; Build on Windows after PyInstaller:  makensis /DVERSION=0.1.0 installers\idi_share.nsi
Unicode true
!ifndef VERSION
  !define VERSION "0.1.0"
!endif
Name "IDI Share"
OutFile "..\dist\IDI-Share-${VERSION}-setup.exe"
RequestExecutionLevel user
InstallDir "$LOCALAPPDATA\Programs\IDI Share"
SetCompressor /SOLID lzma

Page directory
Page instfiles
UninstPage uninstConfirm
UninstPage instfiles

Section "IDI Share"
  SetOutPath "$INSTDIR"
  File /r "..\dist\IDI Share\*.*"
  WriteUninstaller "$INSTDIR\Uninstall IDI Share.exe"
  CreateDirectory "$SMPROGRAMS\IDI Share"
  CreateShortcut "$SMPROGRAMS\IDI Share\IDI Share.lnk" "$INSTDIR\IDI Share.exe"
  CreateShortcut "$DESKTOP\IDI Share.lnk" "$INSTDIR\IDI Share.exe"
  ; Per-user "Apps & features" entry (HKCU needs no administrator rights).
  WriteRegStr HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\IDI Share" "DisplayName" "IDI Share"
  WriteRegStr HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\IDI Share" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\IDI Share" "UninstallString" '"$INSTDIR\Uninstall IDI Share.exe"'
  WriteRegDWORD HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\IDI Share" "NoModify" 1
SectionEnd

Section "Uninstall"
  ; Settings, receipts and logs in the user's AppData are kept: they are the organisation's records.
  RMDir /r "$INSTDIR"
  Delete "$SMPROGRAMS\IDI Share\IDI Share.lnk"
  RMDir "$SMPROGRAMS\IDI Share"
  Delete "$DESKTOP\IDI Share.lnk"
  DeleteRegKey HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\IDI Share"
SectionEnd
