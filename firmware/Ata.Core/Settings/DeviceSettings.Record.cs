using System.Collections;
using Ata.Core.Hardware;
using Ata.Core.Json;

namespace Ata.Core.Settings
{
    /// <summary>
    /// The settings as the config store keeps them: one JSON record (<see cref="RecordName"/>), read back through
    /// <see cref="Set"/> so a stored value is validated like a typed one.
    /// </summary>
    public sealed partial class DeviceSettings
    {
        /// <summary>The settings as the JSON record the config store keeps (secrets included: the store is on the board).</summary>
        public string ToJson()
        {
            JsonWriter w = new JsonWriter().BeginObject();
            for (int i = 0; i < Keys.Length; i++)
            {
                w.Property(Keys[i], _values[i]);
            }

            return w.EndObject().ToString();
        }

        /// <summary>Reads the JSON record; unknown names are ignored, bad values refused with the reason.</summary>
        public static DeviceSettings Parse(string json, out string error)
        {
            error = null;
            Hashtable table;
            try
            {
                table = JsonReader.ParseObject(json);
            }
            catch (JsonException e)
            {
                error = "settings are not JSON: " + e.Message;
                return null;
            }

            DeviceSettings settings = new DeviceSettings();
            for (int i = 0; i < Keys.Length; i++)
            {
                string value = JsonObject.GetString(table, Keys[i]);
                if (value == null || value.Length == 0)
                {
                    continue;
                }

                string refused = settings.Set(Keys[i], value);
                if (refused != null)
                {
                    error = refused;
                    return null;
                }
            }

            return settings;
        }

        /// <summary>
        /// Loads the settings from <paramref name="store"/>; factory defaults when there is no record,
        /// and also when it cannot be read (with the reason in <paramref name="error"/>).
        /// </summary>
        public static DeviceSettings Load(IConfigStore store, out string error)
        {
            error = null;
            string json = store.Read(RecordName);
            if (json == null)
            {
                return new DeviceSettings();
            }

            DeviceSettings settings = Parse(json, out error);
            return settings ?? new DeviceSettings();
        }

        /// <summary>Writes the settings to <paramref name="store"/>; false when the store refused.</summary>
        public bool Save(IConfigStore store)
        {
            return store.Write(RecordName, ToJson());
        }
    }
}
