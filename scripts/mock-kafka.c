/*
 * Kafka test broker: librdkafka's in-process mock cluster behind a tiny stdin command protocol.
 *
 *   mock-kafka [--brokers N | N] [topic:partitions ...]
 *
 * First stdout line: the bootstrap servers. Then one command per stdin line, one answer line each
 * ("ok" or "error <reason>"):
 *   create TOPIC PARTITIONS      pre-create a topic (replication factor 1)
 *   down BROKERID | up BROKERID  take a broker off / back on the network
 *   rtt BROKERID MS              add round-trip latency to a broker
 *   error APIKEY ERRCODE COUNT   the next COUNT requests of APIKEY fail with ERRCODE
 *   clear APIKEY                 drop pending injected errors for APIKEY
 *   leader TOPIC PARTITION BROKERID
 *   quit
 * Exits when stdin closes.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int create_topic(rd_kafka_mock_cluster_t *mc, const char *name, int partitions) {
  if (partitions <= 0) return -1;
  return rd_kafka_mock_topic_create(mc, name, partitions, 1) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
}

static int parse_topic_arg(rd_kafka_mock_cluster_t *mc, const char *arg) {
  char name[512];
  const char *colon = strrchr(arg, ':');
  int partitions = 1;
  size_t len = colon ? (size_t)(colon - arg) : strlen(arg);
  if (len == 0 || len >= sizeof(name)) return -1;
  memcpy(name, arg, len);
  name[len] = '\0';
  if (colon) partitions = atoi(colon + 1);
  return create_topic(mc, name, partitions);
}

static void answer(rd_kafka_resp_err_t err) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
    printf("ok\n");
  else
    printf("error %s\n", rd_kafka_err2str(err));
  fflush(stdout);
}

static int handle(rd_kafka_mock_cluster_t *mc, char *line) {
  char cmd[32], topic[512];
  int a = 0, b = 0, c = 0;
  line[strcspn(line, "\r\n")] = '\0';
  if (sscanf(line, "%31s", cmd) != 1) {
    printf("error empty command\n");
  } else if (strcmp(cmd, "quit") == 0) {
    printf("ok\n");
    fflush(stdout);
    return 1;
  } else if (strcmp(cmd, "create") == 0 && sscanf(line, "%*s %511s %d", topic, &a) == 2) {
    if (create_topic(mc, topic, a) == 0) printf("ok\n");
    else printf("error cannot create %s\n", topic);
  } else if (strcmp(cmd, "down") == 0 && sscanf(line, "%*s %d", &a) == 1) {
    answer(rd_kafka_mock_broker_set_down(mc, a));
    return 0;
  } else if (strcmp(cmd, "up") == 0 && sscanf(line, "%*s %d", &a) == 1) {
    answer(rd_kafka_mock_broker_set_up(mc, a));
    return 0;
  } else if (strcmp(cmd, "rtt") == 0 && sscanf(line, "%*s %d %d", &a, &b) == 2) {
    answer(rd_kafka_mock_broker_set_rtt(mc, a, b));
    return 0;
  } else if (strcmp(cmd, "error") == 0 && sscanf(line, "%*s %d %d %d", &a, &b, &c) == 3 && c > 0) {
    rd_kafka_resp_err_t *errs = calloc((size_t)c, sizeof(*errs));
    for (int i = 0; i < c; i++) errs[i] = (rd_kafka_resp_err_t)b;
    rd_kafka_mock_push_request_errors_array(mc, (int16_t)a, (size_t)c, errs);
    free(errs);
    printf("ok\n");
  } else if (strcmp(cmd, "clear") == 0 && sscanf(line, "%*s %d", &a) == 1) {
    rd_kafka_mock_clear_request_errors(mc, (int16_t)a);
    printf("ok\n");
  } else if (strcmp(cmd, "leader") == 0 && sscanf(line, "%*s %511s %d %d", topic, &a, &b) == 3) {
    answer(rd_kafka_mock_partition_set_leader(mc, topic, a, b));
    return 0;
  } else {
    printf("error unknown or malformed command: %s\n", line);
  }
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  int brokers = 1;
  int first_topic = 1;
  char errstr[512];
  if (argc > 2 && strcmp(argv[1], "--brokers") == 0) {
    brokers = atoi(argv[2]);
    first_topic = 3;
  } else if (argc > 1 && argv[1][0] != '\0' && strspn(argv[1], "0123456789") == strlen(argv[1])) {
    brokers = atoi(argv[1]);
    first_topic = 2;
  }
  if (brokers <= 0) brokers = 1;

  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  /* The mock cluster needs a client handle to live in; a producer is the lightest. */
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) {
    fprintf(stderr, "mock-kafka: rd_kafka_new failed: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (!mc) {
    fprintf(stderr, "mock-kafka: cannot create mock cluster\n");
    return 1;
  }
  for (int i = first_topic; i < argc; i++) {
    if (parse_topic_arg(mc, argv[i]) != 0) {
      fprintf(stderr, "mock-kafka: bad topic argument %s\n", argv[i]);
      return 2;
    }
  }
  printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);

  char line[1024];
  while (fgets(line, sizeof(line), stdin)) {
    if (handle(mc, line)) break;
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
