// Scripts that spread over SSH with the host's own keys and history, and scripts that clear the field
// for the miner (kill rival miners, uninstall security agents). Written for unmine.

rule tool_ssh_spreader
{
  meta:
    description = "loops over known_hosts / shell history / private keys to ssh elsewhere"
    group = "tooling"
    kind = "tool.ssh_spreader"
    severity = "critical"
  strings:
    $src1 = "known_hosts" ascii
    $src2 = ".bash_history" ascii
    $src3 = "id_rsa" ascii
    $src4 = ".ssh/config" ascii
    $ssh1 = "StrictHostKeyChecking=no" ascii nocase
    $ssh2 = "BatchMode=yes" ascii nocase
    $ssh3 = /ssh\s+(-[a-zA-Z]+\s+\S+\s+)*-i\s/ ascii
    $ssh4 = "ConnectTimeout=" ascii
    $loop1 = /\bfor\s+\w+\s+in\b/ ascii
    $loop2 = /\bwhile\s+(read|true|\[)/ ascii
    $loop3 = "xargs" ascii
  condition:
    filesize < 2MB and 2 of ($src*) and 1 of ($ssh*) and 1 of ($loop*)
}

rule tool_rival_miner_killer
{
  meta:
    description = "kills rival miners by name or pool port"
    group = "tooling"
    kind = "tool.rival_killer"
    severity = "high"
  strings:
    $k1 = /(pkill|killall)\s+(-9\s+)?-f\s+\S*(xmrig|kdevtmpfsi|kinsing|minerd|cryptonight|xmr-stak|sysupdate|networkservice)/ ascii
    $k2 = /grep\s+[^|]*(:3333|:4444|:5555|:7777|:14444)[^|]*\|\s*awk[^|]*\|\s*xargs\s+(-I\s*%\s+)?kill/ ascii
    $k3 = /ps\s+aux\s*\|\s*grep\s+[^|]*(xmr|miner|crypto)[^|]*\|.{0,80}kill\s+-9/ ascii
  condition:
    filesize < 5MB and any of them
}

rule tool_security_agent_uninstaller
{
  meta:
    description = "uninstalls or stops cloud security and monitoring agents (Alibaba Aegis, Tencent YunJing, ...)"
    group = "tooling"
    kind = "tool.agent_uninstaller"
    severity = "critical"
  strings:
    $a1 = "aegis_uninstall" ascii nocase
    $a2 = "/usr/local/aegis" ascii
    $a3 = "AliYunDun" ascii
    $a4 = "aliyun-service" ascii
    $q1 = "/usr/local/qcloud" ascii
    $q2 = "YunJing" ascii
    $q3 = "stargate" ascii
    $c1 = "cloudmonitor" ascii
    $c2 = "bcm-agent" ascii
    $c3 = "amazon-ssm-agent" ascii
    $u1 = "uninstall" ascii nocase
    $u2 = /rm\s+-rf?\s+\/usr\/local\/(aegis|qcloud|cloudmonitor)/ ascii
    $u3 = /(systemctl\s+(stop|disable)|service\s+\S+\s+stop|kill(all)?\s)/ ascii
  condition:
    filesize < 5MB and 1 of ($a*, $q*, $c*) and 1 of ($u*)
}
