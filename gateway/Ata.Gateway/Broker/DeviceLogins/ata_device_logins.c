/*
 * A Mosquitto 2.0 plugin (plugin API 5) that decides the adapters' logins on the device listeners,
 * changed one login at a time by the gateway.
 *
 * The gateway's store is the source of truth. The plugin keeps every adapter's login and PBKDF2
 * hash in a hash table in memory, filled from the logins file (option logins_file) when it is
 * loaded and again on every reload (SIGHUP), and changed by the gateway one login at a time over
 * the control topic $CONTROL/ata-device-logins/v1 on the gateway's own listener. A change costs the
 * same with 100 adapters or 100,000: no file is rewritten, nothing else is reloaded.
 *
 * The logins file and a control message hold the same lines, applied in order, the last one for a
 * login winning:
 *
 *   <login>:$7$<iterations>$<base64 salt>$<base64 PBKDF2-SHA512 hash>   the login's password
 *   <login>:                                                            the login is removed
 *
 * A login whose password changes or which is removed is disconnected at once (its next login needs
 * the new password). A hash is the one mosquitto_passwd writes ($7$), so the plugin never sees a
 * secret but at login, and keeps none.
 *
 * Options: role "logins" (a device listener: BASIC_AUTH) or "control" (the gateway's listener: the
 * control topic); logins_file. Mosquitto loads the plugin once per listener (per_listener_settings),
 * the same shared object each time, so the table is one static shared by those loads, and each
 * load keeps its own identifier in its userdata.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#define ATA_CONTROL_TOPIC "$CONTROL/ata-device-logins/v1"
#define ATA_HASH_BYTES 64
#define ATA_MAX_SALT 64
#define ATA_MAX_LINE 512

struct login {
	struct login *next;
	char *name;
	int iterations;
	size_t salt_length;
	unsigned char salt[ATA_MAX_SALT];
	unsigned char hash[ATA_HASH_BYTES];
};

struct table {
	struct login **buckets;
	size_t bucket_count;
	size_t count;
};

struct load {
	mosquitto_plugin_id_t *identifier;
	bool control;
};

static struct table logins;
static char *logins_file;
static int loads;

static uint64_t name_hash(const char *name)
{
	uint64_t hash = 14695981039346656037ULL;
	for (const unsigned char *c = (const unsigned char *)name; *c != '\0'; c++) {
		hash ^= *c;
		hash *= 1099511628211ULL;
	}

	return hash;
}

static struct login **find_slot(struct table *table, const char *name)
{
	struct login **slot = &table->buckets[name_hash(name) % table->bucket_count];
	while (*slot != NULL && strcmp((*slot)->name, name) != 0) {
		slot = &(*slot)->next;
	}

	return slot;
}

static int table_init(struct table *table, size_t bucket_count)
{
	table->buckets = calloc(bucket_count, sizeof(struct login *));
	table->bucket_count = bucket_count;
	table->count = 0;
	return table->buckets == NULL ? MOSQ_ERR_NOMEM : MOSQ_ERR_SUCCESS;
}

static void table_free(struct table *table)
{
	for (size_t i = 0; table->buckets != NULL && i < table->bucket_count; i++) {
		struct login *entry = table->buckets[i];
		while (entry != NULL) {
			struct login *next = entry->next;
			free(entry->name);
			free(entry);
			entry = next;
		}
	}

	free(table->buckets);
	table->buckets = NULL;
	table->bucket_count = 0;
	table->count = 0;
}

static void table_grow(struct table *table)
{
	size_t bucket_count = table->bucket_count * 2;
	struct login **buckets = calloc(bucket_count, sizeof(struct login *));
	if (buckets == NULL) {
		return;
	}

	for (size_t i = 0; i < table->bucket_count; i++) {
		struct login *entry = table->buckets[i];
		while (entry != NULL) {
			struct login *next = entry->next;
			size_t index = name_hash(entry->name) % bucket_count;
			entry->next = buckets[index];
			buckets[index] = entry;
			entry = next;
		}
	}

	free(table->buckets);
	table->buckets = buckets;
	table->bucket_count = bucket_count;
}

/* Decodes standard base64 into out (at most capacity bytes); returns the length or -1. */
static int decode_base64(const char *text, size_t length, unsigned char *out, size_t capacity)
{
	unsigned char buffer[3 * (ATA_MAX_LINE / 4) + 3];
	size_t padding = 0;
	if (length == 0 || length % 4 != 0 || length > ATA_MAX_LINE) {
		return -1;
	}

	int decoded = EVP_DecodeBlock(buffer, (const unsigned char *)text, (int)length);
	if (decoded < 0) {
		return -1;
	}

	while (padding < 2 && text[length - 1 - padding] == '=') {
		padding++;
	}

	size_t size = (size_t)decoded - padding;
	if (size > capacity) {
		return -1;
	}

	memcpy(out, buffer, size);
	return (int)size;
}

/* Parses "$7$<iterations>$<salt>$<hash>" into entry. */
static bool parse_hash(const char *text, struct login *entry)
{
	char *end;
	if (strncmp(text, "$7$", 3) != 0) {
		return false;
	}

	long iterations = strtol(text + 3, &end, 10);
	if (end == text + 3 || *end != '$' || iterations < 1 || iterations > 10000000) {
		return false;
	}

	const char *salt = end + 1;
	const char *dollar = strchr(salt, '$');
	if (dollar == NULL) {
		return false;
	}

	int salt_length = decode_base64(salt, (size_t)(dollar - salt), entry->salt, sizeof entry->salt);
	int hash_length = decode_base64(dollar + 1, strlen(dollar + 1), entry->hash, sizeof entry->hash);
	if (salt_length <= 0 || hash_length != ATA_HASH_BYTES) {
		return false;
	}

	entry->iterations = (int)iterations;
	entry->salt_length = (size_t)salt_length;
	return true;
}

/*
 * Applies one "<login>:<hash>" or "<login>:" line to table. Returns false for a malformed line.
 * *changed says whether an existing login's password changed or the login went away.
 */
static bool apply_line(struct table *table, char *line, bool *changed)
{
	*changed = false;
	char *colon = strchr(line, ':');
	if (colon == NULL || colon == line) {
		return false;
	}

	*colon = '\0';
	const char *name = line;
	const char *hash = colon + 1;
	struct login **slot = find_slot(table, name);
	if (*hash == '\0') {
		if (*slot != NULL) {
			struct login *gone = *slot;
			*slot = gone->next;
			free(gone->name);
			free(gone);
			table->count--;
			*changed = true;
		}

		return true;
	}

	struct login parsed;
	if (!parse_hash(hash, &parsed)) {
		return false;
	}

	if (*slot != NULL) {
		struct login *entry = *slot;
		*changed = entry->iterations != parsed.iterations || entry->salt_length != parsed.salt_length
			|| memcmp(entry->salt, parsed.salt, parsed.salt_length) != 0 || memcmp(entry->hash, parsed.hash, sizeof parsed.hash) != 0;
		entry->iterations = parsed.iterations;
		entry->salt_length = parsed.salt_length;
		memcpy(entry->salt, parsed.salt, sizeof parsed.salt);
		memcpy(entry->hash, parsed.hash, sizeof parsed.hash);
		return true;
	}

	struct login *entry = malloc(sizeof *entry);
	char *copy = strdup(name);
	if (entry == NULL || copy == NULL) {
		free(entry);
		free(copy);
		return false;
	}

	*entry = parsed;
	entry->name = copy;
	entry->next = NULL;
	*slot = entry;
	table->count++;
	if (table->count > table->bucket_count) {
		table_grow(table);
	}

	return true;
}

/* Splits text (length bytes, not NUL-terminated) into lines and applies each; kicks changed logins when kick. */
static int apply_text(struct table *table, const char *text, size_t length, bool kick, const char *source)
{
	int bad = 0;
	size_t start = 0;
	while (start < length) {
		size_t end = start;
		while (end < length && text[end] != '\n') {
			end++;
		}

		size_t size = end - start;
		if (size > 0 && size < ATA_MAX_LINE) {
			char line[ATA_MAX_LINE];
			bool changed;
			memcpy(line, text + start, size);
			line[size] = '\0';
			if (!apply_line(table, line, &changed)) {
				bad++;
			} else if (changed && kick) {
				mosquitto_kick_client_by_username(line, false);
			}
		} else if (size > 0) {
			bad++;
		}

		start = end + 1;
	}

	if (bad > 0) {
		mosquitto_log_printf(MOSQ_LOG_ERR, "ata-device-logins: %d malformed line(s) in %s ignored", bad, source);
	}

	return bad;
}

/* Reads the logins file into a new table; when kick, disconnects logins it changes or removes. */
static int load_file(bool kick)
{
	struct table fresh;
	FILE *file = fopen(logins_file, "r");
	if (file == NULL) {
		mosquitto_log_printf(MOSQ_LOG_ERR, "ata-device-logins: cannot read %s", logins_file);
		return MOSQ_ERR_UNKNOWN;
	}

	if (table_init(&fresh, logins.count > 1024 ? logins.count : 1024) != MOSQ_ERR_SUCCESS) {
		fclose(file);
		return MOSQ_ERR_NOMEM;
	}

	char line[ATA_MAX_LINE];
	while (fgets(line, sizeof line, file) != NULL) {
		apply_text(&fresh, line, strlen(line), false, logins_file);
	}

	fclose(file);
	if (kick && logins.buckets != NULL) {
		for (size_t i = 0; i < logins.bucket_count; i++) {
			for (struct login *old = logins.buckets[i]; old != NULL; old = old->next) {
				struct login *now = *find_slot(&fresh, old->name);
				if (now == NULL || now->iterations != old->iterations || memcmp(now->hash, old->hash, sizeof old->hash) != 0) {
					mosquitto_kick_client_by_username(old->name, false);
				}
			}
		}
	}

	table_free(&logins);
	logins = fresh;
	mosquitto_log_printf(MOSQ_LOG_INFO, "ata-device-logins: %lu login(s) loaded", (unsigned long)logins.count);
	return MOSQ_ERR_SUCCESS;
}

static int on_basic_auth(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_basic_auth *data = event_data;
	unsigned char derived[ATA_HASH_BYTES];
	(void)event;
	(void)userdata;
	if (data->username == NULL || data->password == NULL || logins.buckets == NULL) {
		return MOSQ_ERR_AUTH;
	}

	struct login *entry = *find_slot(&logins, data->username);
	if (entry == NULL) {
		return MOSQ_ERR_AUTH;
	}

	if (PKCS5_PBKDF2_HMAC(data->password, (int)strlen(data->password), entry->salt, (int)entry->salt_length,
			entry->iterations, EVP_sha512(), ATA_HASH_BYTES, derived) != 1) {
		return MOSQ_ERR_AUTH;
	}

	return CRYPTO_memcmp(derived, entry->hash, ATA_HASH_BYTES) == 0 ? MOSQ_ERR_SUCCESS : MOSQ_ERR_AUTH;
}

static int on_control(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_control *data = event_data;
	(void)event;
	(void)userdata;
	if (logins.buckets == NULL) {
		return MOSQ_ERR_UNKNOWN;
	}

	return apply_text(&logins, data->payload, data->payloadlen, true, ATA_CONTROL_TOPIC) == 0 ? MOSQ_ERR_SUCCESS : MOSQ_ERR_MALFORMED_PACKET;
}

static int on_reload(int event, void *event_data, void *userdata)
{
	(void)event;
	(void)event_data;
	(void)userdata;
	return load_file(true);
}

int mosquitto_plugin_version(int supported_version_count, const int *supported_versions)
{
	(void)supported_version_count;
	(void)supported_versions;
	return 5;
}

int mosquitto_plugin_init(mosquitto_plugin_id_t *identifier, void **userdata, struct mosquitto_opt *options, int option_count)
{
	struct load *load = calloc(1, sizeof *load);
	const char *file = NULL;
	if (load == NULL) {
		return MOSQ_ERR_NOMEM;
	}

	load->identifier = identifier;
	for (int i = 0; i < option_count; i++) {
		if (strcmp(options[i].key, "role") == 0) {
			load->control = strcmp(options[i].value, "control") == 0;
		} else if (strcmp(options[i].key, "logins_file") == 0) {
			file = options[i].value;
		}
	}

	*userdata = load;
	if (file == NULL) {
		mosquitto_log_printf(MOSQ_LOG_ERR, "ata-device-logins: plugin_opt_logins_file is missing");
		return MOSQ_ERR_INVAL;
	}

	if (loads++ == 0) {
		logins_file = strdup(file);
		if (logins_file == NULL || load_file(false) != MOSQ_ERR_SUCCESS) {
			return MOSQ_ERR_UNKNOWN;
		}
	}

	if (load->control) {
		int rc = mosquitto_callback_register(identifier, MOSQ_EVT_CONTROL, on_control, ATA_CONTROL_TOPIC, NULL);
		return rc != MOSQ_ERR_SUCCESS ? rc : mosquitto_callback_register(identifier, MOSQ_EVT_RELOAD, on_reload, NULL, NULL);
	}

	return mosquitto_callback_register(identifier, MOSQ_EVT_BASIC_AUTH, on_basic_auth, NULL, NULL);
}

int mosquitto_plugin_cleanup(void *userdata, struct mosquitto_opt *options, int option_count)
{
	struct load *load = userdata;
	(void)options;
	(void)option_count;
	if (load->control) {
		mosquitto_callback_unregister(load->identifier, MOSQ_EVT_CONTROL, on_control, ATA_CONTROL_TOPIC);
		mosquitto_callback_unregister(load->identifier, MOSQ_EVT_RELOAD, on_reload, NULL);
	} else {
		mosquitto_callback_unregister(load->identifier, MOSQ_EVT_BASIC_AUTH, on_basic_auth, NULL);
	}

	free(load);
	if (--loads == 0) {
		table_free(&logins);
		free(logins_file);
		logins_file = NULL;
	}

	return MOSQ_ERR_SUCCESS;
}
