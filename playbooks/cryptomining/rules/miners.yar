// Miner binaries and their configs. Written for unmine from the miners' public option names and
// protocol strings. meta: group/kind/severity tell hunt what a match means.

rule miner_xmrig_binary
{
  meta:
    description = "XMRig (or a build of it): option names and RandomX strings"
    group = "miner"
    kind = "file.miner_binary"
    severity = "high"
  strings:
    $a1 = "donate-level" ascii
    $a2 = "randomx" ascii nocase
    $a3 = "stratum+tcp://" ascii
    $a4 = "xmrig" ascii nocase
    $a5 = "cryptonight" ascii nocase
    $a6 = "nicehash" ascii
    $a7 = "--cpu-max-threads-hint" ascii
  condition:
    uint32(0) == 0x464c457f and 3 of them
}

rule miner_generic_stratum_binary
{
  meta:
    description = "An executable that speaks stratum and names a mining algorithm"
    group = "miner"
    kind = "file.miner_binary"
    severity = "high"
  strings:
    $s1 = "stratum+tcp://" ascii
    $s2 = "stratum+ssl://" ascii
    $s3 = "mining.subscribe" ascii
    $s4 = "mining.authorize" ascii
    $m1 = "cryptonight" ascii nocase
    $m2 = "randomx" ascii nocase
    $m3 = "scrypt" ascii
    $m4 = "sha256d" ascii
    $m5 = "ethash" ascii nocase
    $m6 = "kawpow" ascii nocase
  condition:
    uint32(0) == 0x464c457f and 1 of ($s*) and 1 of ($m*)
}

rule miner_config_json
{
  meta:
    description = "An XMRig-style JSON config: pools with url and user"
    group = "miner"
    kind = "file.miner_config"
    severity = "high"
  strings:
    $pools = "\"pools\"" ascii
    $url = "\"url\"" ascii
    $user = "\"user\"" ascii
    $k1 = "\"donate-level\"" ascii
    $k2 = "\"randomx\"" ascii
    $k3 = "\"algo\"" ascii
    $k4 = "\"cpu\"" ascii
  condition:
    filesize < 1MB and $pools and $url and $user and 1 of ($k*)
}

rule miner_stratum_login
{
  meta:
    description = "an XMRig-style stratum login (method login with an XMRig agent): in a binary or a running process"
    group = "miner"
    kind = "file.miner_binary"
    severity = "high"
  strings:
    $login = "\"method\":\"login\"" ascii
    $agent = /XMRig\/[0-9]+\.[0-9]+/ ascii
  condition:
    $login and $agent
}
