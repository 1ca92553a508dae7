/*
 * A Mosquitto 2.0 plugin (plugin API 5) that names the login of every refused connection.
 *
 * Mosquitto 2.0.11 logs a refused login as "Client <unknown> disconnected, not authorised." at
 * every log_type: the client id is set only once the login is accepted, and the user name is never
 * logged. This plugin decides nothing (the password file still does): when a client that sent a
 * user name leaves without ever having been given a client id, its login was refused, and the
 * plugin logs one notice line the gateway reads (Ata.Gateway.Broker.MosquittoLog):
 *
 *   ata-login-refused <user name> <address>
 *
 * A user name with a byte outside [A-Za-z0-9._@-] (or longer than 64 bytes) is logged as "?", so
 * a client cannot write into the gateway's log.
 *
 * It is loaded once per device listener (plaintext and TLS, per_listener_settings), so it keeps
 * each load's identifier in that load's userdata, not in a static.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#define ATA_MAX_NAME 64

static bool printable_name(const char *name)
{
	size_t length = strlen(name);
	if (length == 0 || length > ATA_MAX_NAME) {
		return false;
	}

	for (size_t i = 0; i < length; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
			|| c == '.' || c == '_' || c == '-' || c == '@';
		if (!ok) {
			return false;
		}
	}

	return true;
}

static int on_disconnect(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_disconnect *data = event_data;
	const char *user = mosquitto_client_username(data->client);
	const char *address = mosquitto_client_address(data->client);
	(void)event;
	(void)userdata;
	if (user != NULL && mosquitto_client_id(data->client) == NULL) {
		mosquitto_log_printf(MOSQ_LOG_NOTICE, "ata-login-refused %s %s",
			printable_name(user) ? user : "?", address != NULL ? address : "?");
	}

	return MOSQ_ERR_SUCCESS;
}

int mosquitto_plugin_version(int supported_version_count, const int *supported_versions)
{
	(void)supported_version_count;
	(void)supported_versions;
	return 5;
}

int mosquitto_plugin_init(mosquitto_plugin_id_t *identifier, void **userdata, struct mosquitto_opt *options, int option_count)
{
	(void)options;
	(void)option_count;
	*userdata = identifier;
	return mosquitto_callback_register(identifier, MOSQ_EVT_DISCONNECT, on_disconnect, NULL, NULL);
}

int mosquitto_plugin_cleanup(void *userdata, struct mosquitto_opt *options, int option_count)
{
	(void)options;
	(void)option_count;
	return mosquitto_callback_unregister((mosquitto_plugin_id_t *)userdata, MOSQ_EVT_DISCONNECT, on_disconnect, NULL);
}
