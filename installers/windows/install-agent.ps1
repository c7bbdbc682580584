<#
.SYNOPSIS
  Installs the till agent as the Windows service "pos-edge-agent" (WinSW 3).

.DESCRIPTION
  Run as Administrator from a folder holding edge-agent.exe (built with
  `cargo build --release -p edge-agent` on Windows), WinSW-x64.exe (from the
  WinSW 3 releases) and pos-edge-agent.xml. Copies them to
  "$env:ProgramFiles\pos-edge-agent", creates
  "$env:ProgramData\pos-edge-agent" (settings, data, logs) readable only by
  the service account and Administrators, writes edge-agent.toml from the
  example when there is none, then installs and starts the service.
  Run it again to upgrade: the settings and data stay.

.PARAMETER HubUrl
  The hub, https://... (written to a new edge-agent.toml only).

.PARAMETER EnrollCode
  The terminal's one-time enrollment code (written to a new edge-agent.toml only).
#>
param(
  [string]$HubUrl,
  [string]$EnrollCode
)
$ErrorActionPreference = 'Stop'

$program = Join-Path $env:ProgramFiles 'pos-edge-agent'
$state = Join-Path $env:ProgramData 'pos-edge-agent'
$service = Join-Path $program 'pos-edge-agent.exe'

foreach ($file in 'edge-agent.exe', 'WinSW-x64.exe', 'pos-edge-agent.xml') {
  if (-not (Test-Path (Join-Path $PSScriptRoot $file))) { throw "$file is not beside this script" }
}

if (Get-Service -Name 'pos-edge-agent' -ErrorAction SilentlyContinue) {
  & $service stop | Out-Null
}
New-Item -ItemType Directory -Force -Path $program, $state, (Join-Path $state 'data'), (Join-Path $state 'logs') | Out-Null
Copy-Item (Join-Path $PSScriptRoot 'edge-agent.exe') $program -Force
Copy-Item (Join-Path $PSScriptRoot 'WinSW-x64.exe') $service -Force
Copy-Item (Join-Path $PSScriptRoot 'pos-edge-agent.xml') $program -Force

# The device credential and the snapshot's PIN hashes live here: only the
# service account and Administrators may read it.
icacls $state /inheritance:r /grant:r 'NT AUTHORITY\LocalService:(OI)(CI)M' 'BUILTIN\Administrators:(OI)(CI)F' 'NT AUTHORITY\SYSTEM:(OI)(CI)F' | Out-Null

$config = Join-Path $state 'edge-agent.toml'
if (-not (Test-Path $config)) {
  $lines = @('# The till agent''s settings: every key is in the README''s configuration table.')
  if ($HubUrl) { $lines += "hub_url = `"$HubUrl`"" }
  if ($EnrollCode) { $lines += "enroll_code = `"$EnrollCode`"" }
  # UTF-8 without a byte-order mark, which a TOML file must not start with.
  [System.IO.File]::WriteAllLines($config, [string[]]$lines)
}

if (-not (Get-Service -Name 'pos-edge-agent' -ErrorAction SilentlyContinue)) {
  & $service install
}
& $service start
& $service status
