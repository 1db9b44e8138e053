/* A stand-in for an XMRig-style miner, for tests: parses XMRig's options (or a config.json, or a wallet
 * in the environment), connects to the pool, sends a stratum login, then keeps the connection alive with a
 * keepalive every second. It mines nothing. With no pool given it reads config.json from its working folder,
 * as XMRig does. Options it adds for tests:
 *   --burn            spin one core (sustained CPU)
 *   --workers N       fork N children that idle (a worker tree); --grandchild gives the first one a child
 *   --pidfile PATH    write our pid once connected
 *   --no-connect      do not connect at all
 *   --unlink-config   delete the config file once read (what it said then lives only in memory)
 *   --fds N           hold N more descriptors open (/dev/null), raising RLIMIT_NOFILE as far as needed
 *
 * Built twice. standin_miner carries the strings a real XMRig 6.26.0 build carries (the banner, the
 * donation hosts, help text; the user agent is put together at run time, as XMRig does), so it is named by
 * its content whatever it is called. standin_packed_miner (STANDIN_PACKED) carries none of them: like a
 * UPX-packed build it holds UPX's markers, and its strings appear only in its memory once it runs (stored
 * shifted by one, decoded at start).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef STANDIN_PACKED
/* Each byte one above the real one: none of XMRig's strings is in this file. */
static const char* const kStrings[] = {
    "YNSjh!7/37/1",        /* the banner */
    "epobuf/w3/ynsjh/dpn", /* donation hosts */
    "epobuf/ttm/ynsjh/dpn",
    "nbyjnvn!DQV!uisfbet!dpvou!)jo!qfsdfoubhf*!ijou!gps!bvupdpogjh",
};
const char kPackerMarkers[] = "UPX!\0$Info: This file is packed with the UPX executable packer http://upx.sf.net $";
static char* decoded[sizeof kStrings / sizeof kStrings[0]];
/* Read at run time: clang would otherwise decode the constants while compiling and store XMRig's strings. */
static volatile char shift = 1;
static void unpack(void) {
  for (size_t i = 0; i < sizeof kStrings / sizeof kStrings[0]; ++i) {
    size_t n = strlen(kStrings[i]);
    decoded[i] = malloc(n + 1);
    for (size_t k = 0; k < n; ++k) decoded[i][k] = (char)(kStrings[i][k] - shift);
    decoded[i][n] = 0;
  }
}
#else
/* As in XMRig's binary: APP_NAME " " APP_VERSION, the donation hosts, help text and the agent's format. */
const char kBanner[] = "XMRig 6.26.0";
const char* const kDonateHosts[] = {"donate.v2.xmrig.com", "donate.ssl.xmrig.com"};
const char kUsage[] =
    "      --donate-level=N          donate level, default 5%% (5 minutes in 100 minutes)\n"
    "      --donate-over-proxy=N     control donate over xmrig-proxy feature\n"
    "      --cpu-max-threads-hint=N  maximum CPU threads count (in percentage) hint for autoconfig\n"
    "      --randomx-init=N          threads count to initialize RandomX dataset\n"
    "mining algorithm https://xmrig.com/docs/algorithms\n";
static void unpack(void) {}
#endif

static char agent[256];

/* "XMRig/6.26.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0", put together at run time from the banner. */
static void make_agent(void) {
#ifdef STANDIN_PACKED
  const char* banner = decoded[0];
#else
  const char* banner = kBanner;
#endif
  char name[64];
  const char* space = strchr(banner, ' ');
  size_t n = space ? (size_t)(space - banner) : strlen(banner);
  if (n >= sizeof name) n = sizeof name - 1;
  memcpy(name, banner, n);
  name[n] = 0;
  snprintf(agent, sizeof agent, "%s/%s (Linux x86_64) libuv/%s gcc/%d.%d.%d", name, space ? space + 1 : "", "1.44.2",
           12, 2, 0);
}

static char url[512], user[512] = "", pass[128] = "x";

/* Pulls the string value of "key" out of a JSON text: enough for a test's config.json. */
static int json_string(const char* text, const char* key, char* out, size_t n) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\"", key);
  const char* p = strstr(text, pat);
  if (!p) return 0;
  p = strchr(p + strlen(pat), '"');
  if (!p) return 0;
  const char* e = strchr(p + 1, '"');
  if (!e || (size_t)(e - p - 1) >= n) return 0;
  memcpy(out, p + 1, (size_t)(e - p - 1));
  out[e - p - 1] = 0;
  return 1;
}

static int unlink_config;

static void read_config(const char* path) {
  FILE* f = fopen(path, "r");
  if (!f) return;
  /* On the heap, as a parsed config is: after --unlink-config the pool and wallet live only here. */
  char* text = malloc(65536);
  size_t n = fread(text, 1, 65535, f);
  text[n] = 0;
  fclose(f);
  json_string(text, "url", url, sizeof url);
  json_string(text, "user", user, sizeof user);
  if (unlink_config) unlink(path);
}

static int connect_pool(void) {
  /* stratum+tcp://host:port */
  const char* hp = strstr(url, "://");
  hp = hp ? hp + 3 : url;
  char host[256];
  const char* colon = strrchr(hp, ':');
  if (!colon) return -1;
  size_t hl = (size_t)(colon - hp);
  if (hl >= sizeof host) return -1;
  memcpy(host, hp, hl);
  host[hl] = 0;
  if (host[0] == '[') {
    memmove(host, host + 1, hl);
    host[strlen(host) - 1] = 0;
  }
  struct addrinfo hints = {0}, *res;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, colon + 1, &hints, &res) != 0) return -1;
  int fd = socket(res->ai_family, SOCK_STREAM, 0);
  if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
    freeaddrinfo(res);
    if (fd >= 0) close(fd);
    return -1;
  }
  freeaddrinfo(res);
  return fd;
}

/* A process with a huge descriptor table, as a miner holding many connections or leaking files has. */
static int hold_fds(long n) {
  struct rlimit rl = {(rlim_t)n + 256, (rlim_t)n + 256};
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) return -1;
  int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd < 0) return -1;
  for (long i = 1; i < n; ++i)
    if (dup(null_fd) < 0) return -1;
  return 0;
}

static void idle_forever(void) {
  for (;;) pause();
}

int main(int argc, char** argv) {
  int burn = 0, workers = 0, grandchild = 0, no_connect = 0;
  long fds = 0;
  const char* pidfile = NULL;
  unpack();
  make_agent();
  for (int i = 1; i < argc; ++i)
    if (!strcmp(argv[i], "--unlink-config")) unlink_config = 1;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : "";
    if (!strcmp(a, "-o") || !strcmp(a, "--url"))
      snprintf(url, sizeof url, "%s", v), ++i;
    else if (!strncmp(a, "--url=", 6))
      snprintf(url, sizeof url, "%s", a + 6);
    else if (!strcmp(a, "-u") || !strcmp(a, "--user"))
      snprintf(user, sizeof user, "%s", v), ++i;
    else if (!strncmp(a, "--user=", 7))
      snprintf(user, sizeof user, "%s", a + 7);
    else if (!strcmp(a, "-p") || !strcmp(a, "--pass"))
      snprintf(pass, sizeof pass, "%s", v), ++i;
    else if (!strcmp(a, "-c") || !strcmp(a, "--config"))
      read_config(v), ++i;
    else if (!strncmp(a, "--config=", 9))
      read_config(a + 9);
    else if (!strcmp(a, "--burn"))
      burn = 1;
    else if (!strcmp(a, "--workers"))
      workers = atoi(v), ++i;
    else if (!strcmp(a, "--grandchild"))
      grandchild = 1;
    else if (!strcmp(a, "--pidfile"))
      pidfile = v, ++i;
    else if (!strcmp(a, "--no-connect"))
      no_connect = 1;
    else if (!strcmp(a, "--fds"))
      fds = atol(v), ++i;
    else if (!strcmp(a, "--version"))
      printf("%s\n", agent);
  }
  if (!user[0] && getenv("WALLET")) snprintf(user, sizeof user, "%s", getenv("WALLET"));
  if (!url[0] && getenv("POOL")) snprintf(url, sizeof url, "%s", getenv("POOL"));
  if (!url[0]) read_config("config.json"); /* XMRig's default: config.json in the working folder */

  if (fds > 0 && hold_fds(fds) != 0) {
    fprintf(stderr, "standin_miner: cannot hold %ld descriptors: %s\n", fds, strerror(errno));
    return 3;
  }

  for (int w = 0; w < workers; ++w) {
    pid_t c = fork();
    if (c == 0) {
      if (w == 0 && grandchild && fork() == 0) idle_forever();
      idle_forever();
    }
  }

  int fd = -1;
  if (!no_connect && url[0]) {
    for (int tries = 0; tries < 50 && (fd = connect_pool()) < 0; ++tries) usleep(100000);
    if (fd < 0) {
      fprintf(stderr, "standin_miner: cannot connect to %s\n", url);
      return 1;
    }
    char login[2048];
    int n = snprintf(login, sizeof login,
                     "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"%s\",\"pass\":\"%s\","
                     "\"agent\":\"%s\",\"algo\":[\"rx/0\"]}}\n",
                     user, pass, agent);
    if (write(fd, login, (size_t)n) != n) return 1;
  }
  if (pidfile) {
    FILE* f = fopen(pidfile, "w");
    if (f) fprintf(f, "%d\n", getpid()), fclose(f);
  }
  time_t last = time(NULL);
  for (;;) {
    if (burn) {
      for (volatile unsigned long k = 0; k < 50000000UL; ++k) {}
    } else {
      sleep(1);
    }
    if (fd >= 0 && time(NULL) != last) {
      last = time(NULL);
      static const char ka[] = "{\"id\":2,\"jsonrpc\":\"2.0\",\"method\":\"keepalived\",\"params\":{}}\n";
      /* A blocked pool makes writes fail or stall: carry on idling, as a real miner retries. */
      if (send(fd, ka, sizeof ka - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN) {
        close(fd);
        fd = -1;
      }
    }
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
  }
}
