# Builds the IMI client MSI on a Windows build machine (x64), with WiX Toolset 3 on PATH
# (heat.exe, candle.exe, light.exe) and the project's venv made by: py -3.11 -m venv .venv;
# .venv\Scripts\pip install -e ".[dev]"
#
#   powershell -ExecutionPolicy Bypass -File build\windows\build-msi.ps1 [-Out build\dist]
#
# Steps: the PyInstaller one-folder bundle (build\imi-desk.spec), the icon, heat's list of
# the bundle's files, then candle and light. The MSI takes the roll-out properties described
# in imi-desk.wxs (SERVER_URL, LANGUAGE, CA_BUNDLE, PROXY, PROFILES_DIR, LOCKED, ...).
param(
    [string]$Python = ".venv\Scripts\python.exe",
    [string]$Out = "build\dist"
)
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

function Invoke-Checked([string]$Program, [string[]]$Arguments) {
    & $Program @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Program failed with exit code $LASTEXITCODE" }
}

$Version = & $Python -c "import importlib.metadata as m; print(m.version('imi'))"
$env:QT_QPA_PLATFORM = "offscreen"
Invoke-Checked $Python @("-m", "PyInstaller", "--noconfirm", "--distpath", "$Out\bundle",
                         "--workpath", "$Out\work", "build\imi-desk.spec")
Invoke-Checked $Python @("build\render_icons.py", "build\icons\imi-desk.svg", "$Out\icons")

$Bundle = Resolve-Path "$Out\bundle\imi-desk"
Invoke-Checked "heat.exe" @("dir", $Bundle, "-nologo", "-cg", "BundleFiles", "-dr", "INSTALLDIR",
                            "-srd", "-ag", "-sfrag", "-sreg", "-var", "var.BundleDir",
                            "-platform", "x64", "-out", "$Out\imi-desk-files.wxs")
Invoke-Checked "candle.exe" @("-nologo", "-arch", "x64", "-dVersion=$Version",
                              "-dBundleDir=$Bundle", "-dIconFile=$Out\icons\imi-desk.ico",
                              "-out", "$Out\obj\", "build\windows\imi-desk.wxs",
                              "$Out\imi-desk-files.wxs")
Invoke-Checked "light.exe" @("-nologo", "-out", "$Out\imi-desk-$Version-x64.msi",
                             "$Out\obj\imi-desk.wixobj", "$Out\obj\imi-desk-files.wixobj")
Write-Output "$Out\imi-desk-$Version-x64.msi"
