// Network scanners used to find the next victims, recognised by their own output and option strings
// (so a renamed copy matches too). Written for unmine.

rule tool_masscan
{
  meta:
    description = "masscan"
    group = "tooling"
    kind = "tool.scanner"
    severity = "high"
  strings:
    $a = "masscan" ascii
    $b = "--max-rate" ascii
    $c = "Starting masscan" ascii
    $d = "--banners" ascii
    $e = "--adapter-ip" ascii
  condition:
    $c or ($a and 2 of ($b, $d, $e))
}

rule tool_zmap
{
  meta:
    description = "zmap"
    group = "tooling"
    kind = "tool.scanner"
    severity = "high"
  strings:
    $a = "zmap" ascii
    $b = "--probe-module" ascii
    $c = "--output-module" ascii
    $d = "--bandwidth" ascii
  condition:
    $a and 2 of ($b, $c, $d)
}

rule tool_zgrab
{
  meta:
    description = "zgrab / zgrab2"
    group = "tooling"
    kind = "tool.scanner"
    severity = "high"
  strings:
    $a = "zgrab2" ascii
    $b = "github.com/zmap/zgrab" ascii
  condition:
    any of them
}

rule tool_nmap
{
  meta:
    description = "nmap"
    group = "tooling"
    kind = "tool.scanner"
    severity = "medium"
  strings:
    $a = "Nmap scan report for" ascii
    $b = "https://nmap.org" ascii
    $c = "nmap-service-probes" ascii
  condition:
    2 of them
}

rule tool_pnscan
{
  meta:
    description = "pnscan parallel network scanner"
    group = "tooling"
    kind = "tool.scanner"
    severity = "high"
  strings:
    $a = "pnscan" ascii
    $b = "Parallel Network Scanner" ascii nocase
  condition:
    all of them
}
