// Webshells, reverse shells and droppers, by the one-liners and request-to-exec patterns they are
// made of. Written for unmine.

rule tool_webshell_php
{
  meta:
    description = "PHP that executes request input"
    group = "tooling"
    kind = "tool.webshell"
    severity = "critical"
  strings:
    $php = "<?php" ascii nocase
    $in1 = "$_GET[" ascii
    $in2 = "$_POST[" ascii
    $in3 = "$_REQUEST[" ascii
    $in4 = "$_COOKIE[" ascii
    $in5 = "$_SERVER['HTTP_" ascii
    $ex1 = /(eval|assert|system|passthru|shell_exec|exec|popen|proc_open)\s*\(\s*(base64_decode\s*\(\s*)?\$_(GET|POST|REQUEST|COOKIE)/ ascii
    $ex2 = /(eval|assert)\s*\(\s*(gzinflate|str_rot13|base64_decode)\s*\(/ ascii
    $ex3 = "create_function" ascii
    $ex4 = "preg_replace(\"/.*/e\"" ascii
  condition:
    $php and ($ex1 or (1 of ($in*) and ($ex2 or $ex3 or $ex4)))
}

rule tool_webshell_jsp
{
  meta:
    description = "JSP that executes request input"
    group = "tooling"
    kind = "tool.webshell"
    severity = "critical"
  strings:
    $a = "Runtime.getRuntime().exec(" ascii
    $b = "request.getParameter(" ascii
    $c = "ProcessBuilder" ascii
  condition:
    $b and ($a or $c)
}

rule tool_reverse_shell
{
  meta:
    description = "reverse shell one-liner"
    group = "tooling"
    kind = "tool.reverse_shell"
    severity = "critical"
  strings:
    $b1 = /bash\s+-i\s*>&\s*\/dev\/tcp\// ascii
    $b2 = /\/dev\/tcp\/[0-9a-zA-Z.\-]+\/[0-9]+/ ascii
    $n1 = /\bnc(at)?(\.traditional|\.openbsd)?\s+(-[a-z]+\s+)*-e\s+\/bin\/(ba)?sh/ ascii
    $n2 = /mkfifo\s+\/tmp\/[^;]+;.{0,80}\bnc\s/ ascii
    $p1 = "pty.spawn(" ascii
    $p2 = /socket\.socket\(.{0,200}(subprocess\.call|os\.dup2)/ ascii
    $s1 = /socat\s+.{0,40}exec:/ ascii nocase
    $s2 = /perl\s+-e\s+.{0,20}use\s+Socket/ ascii
  condition:
    filesize < 5MB and any of them
}

rule tool_dropper_base64_shell
{
  meta:
    description = "base64-piped shell (decode and run)"
    group = "tooling"
    kind = "tool.reverse_shell"
    severity = "high"
  strings:
    $a = /base64\s+(-d|--decode)\s*\|\s*(ba)?sh/ ascii
    $b = /echo\s+[A-Za-z0-9+\/=]{40,}\s*\|\s*base64\s+(-d|--decode)/ ascii
  condition:
    filesize < 5MB and any of them
}

rule tool_download_and_run
{
  meta:
    description = "downloads a script and pipes it to a shell"
    group = "tooling"
    kind = "tool.dropper"
    severity = "medium"
  strings:
    $shebang = "#!" ascii
    $c = /(curl|wget)\s+[^|;\n]{1,200}\|\s*(ba)?sh/ ascii
  condition:
    filesize < 1MB and $shebang at 0 and $c
}
