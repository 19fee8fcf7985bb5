/*
 * spoolq.c - queue and writer thread in front of bs_spool_writer.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "log.h"
#include "spool.h"
#include "spoolq.h"

#define BATCH_MAX 256

typedef struct item {
	struct item *next;
	bs_record rec; /* a copy owned by the item; the waiting caller frees it */
	int done, rc;
	bs_error err;
} item;

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t q_done = PTHREAD_COND_INITIALIZER;
static item *q_head, **q_tail = &q_head;
static int q_stop, q_reopen, q_running;
static pthread_t q_thread;
static bs_spool_writer *writer;
static unsigned spool_bits;
static char *spool_path;

static void log_open_info(const char *what, const bs_spool_open_info *info)
{
	if (info->torn_bytes)
		log_msg(LOG_WARNING, NULL, "%s %s: closed a torn last line of %zu bytes", what,
		        spool_path, info->torn_bytes);
	if (info->completed)
		log_msg(LOG_NOTICE, NULL,
		        "%s %s: its last record lacked only its line feed: completed", what,
		        spool_path);
	log_msg(LOG_INFO, NULL, "%s %s: chain continues after record %llu%s", what, spool_path,
	        (unsigned long long)info->state.seq, info->from_rotated ? " (rotated file)" : "");
}

int spoolq_open(const char *path, unsigned bits, bs_error *err)
{
	char rotated[4096];
	bs_spool_open_info info;
	snprintf(rotated, sizeof rotated, "%s.1", path);
	writer = bs_spool_writer_open(path, rotated, bits, &info, err);
	if (writer == NULL)
		return -1;
	spool_bits = bits;
	spool_path = bs_xstrdup(path);
	log_open_info("opened spool", &info);
	return 0;
}

unsigned spoolq_bits(void)
{
	return writer ? spool_bits : 0;
}

static void copy_record(bs_record *dst, const bs_record *src)
{
	bs_record_init(dst);
	mpz_t c;
	memcpy(c, dst->c, sizeof c); /* keep the initialised mpz */
	memcpy(dst, src, sizeof *dst);
	memcpy(dst->c, c, sizeof c);
	mpz_set(dst->c, src->c);
}

static void write_batch(item **items, size_t n)
{
	bs_record recs[BATCH_MAX];
	bs_error err;
	for (size_t i = 0; i < n; i++)
		memcpy(&recs[i], &items[i]->rec, sizeof recs[i]); /* shallow: c is only read */
	int rc = fault_hit(FAULT_SPOOL)
	             ? bs_error_set(&err, BS_E_IO, "injected fault (test binary): nothing written")
	             : bs_spool_writer_append(writer, recs, n, &err);
	if (rc < 0)
		log_msg(LOG_ERR, NULL, "spool %s: %zu records not written: %s", spool_path, n,
		        err.msg);
	pthread_mutex_lock(&q_lock);
	for (size_t i = 0; i < n; i++) {
		item *it = items[i];
		it->rc = rc;
		if (rc < 0)
			it->err = err;
		it->done = 1;
	}
	pthread_cond_broadcast(&q_done);
	pthread_mutex_unlock(&q_lock);
}

static void *writer_main(void *arg)
{
	item *batch[BATCH_MAX];
	(void)arg;
	pthread_mutex_lock(&q_lock);
	for (;;) {
		while (q_head == NULL && !q_stop && !q_reopen)
			pthread_cond_wait(&q_work, &q_lock);
		if (q_reopen) {
			q_reopen = 0;
			pthread_mutex_unlock(&q_lock);
			bs_spool_open_info info;
			bs_error err;
			if (bs_spool_writer_reopen(writer, &info, &err) < 0)
				log_msg(LOG_ERR, NULL,
				        "reopening spool %s: %s (still writing to "
				        "the old file)",
				        spool_path, err.msg);
			else
				log_open_info("reopened spool", &info);
			pthread_mutex_lock(&q_lock);
			continue;
		}
		if (q_head == NULL && q_stop)
			break;
		size_t n = 0;
		while (q_head && n < BATCH_MAX) {
			batch[n++] = q_head;
			q_head = q_head->next;
		}
		if (q_head == NULL)
			q_tail = &q_head;
		pthread_mutex_unlock(&q_lock);
		write_batch(batch, n);
		pthread_mutex_lock(&q_lock);
	}
	pthread_mutex_unlock(&q_lock);
	return NULL;
}

int spoolq_start(bs_error *err)
{
	int rc = pthread_create(&q_thread, NULL, writer_main, NULL);
	if (rc != 0)
		return bs_error_set(err, BS_E_INTERNAL, "cannot start the spool thread: %s",
		                    strerror(rc));
	q_running = 1;
	return 0;
}

int spoolq_append(const bs_record *r, bs_error *err)
{
	if (!q_running)
		return bs_error_set(err, BS_E_INTERNAL, "the spool writer is not running");
	item *it = bs_xcalloc(1, sizeof *it);
	copy_record(&it->rec, r);
	pthread_mutex_lock(&q_lock);
	*q_tail = it;
	q_tail = &it->next;
	pthread_cond_signal(&q_work);
	while (!it->done)
		pthread_cond_wait(&q_done, &q_lock);
	pthread_mutex_unlock(&q_lock);
	int rc = it->rc;
	if (rc < 0 && err)
		*err = it->err;
	bs_record_clear(&it->rec);
	free(it);
	return rc;
}

void spoolq_reopen(void)
{
	pthread_mutex_lock(&q_lock);
	q_reopen = 1;
	pthread_cond_signal(&q_work);
	pthread_mutex_unlock(&q_lock);
}

void spoolq_stop(void)
{
	if (q_running) {
		pthread_mutex_lock(&q_lock);
		q_stop = 1;
		pthread_cond_signal(&q_work);
		pthread_mutex_unlock(&q_lock);
		pthread_join(q_thread, NULL);
		q_running = 0;
	}
	if (writer) {
		bs_spool_writer_close(writer);
		writer = NULL;
	}
	free(spool_path);
	spool_path = NULL;
}
