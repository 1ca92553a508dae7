using System.IO;
using Ata.Core.Hardware;
using Ata.Core.Settings;

namespace Ata.Device.Board
{
    /// <summary>
    /// Config records as files on the internal flash's LittleFS volume (drive <c>I:</c>). A write never
    /// overwrites the live copy: the new record goes to <c>name.new</c>, is read back and verified
    /// (length and CRC-32, see <see cref="ConfigRecord"/>), then the old copy is renamed to
    /// <c>name.old</c> and the new one into place. A power cut at any step leaves a valid copy that
    /// <see cref="Read"/> finds: the live file, else a verified <c>.new</c>, else <c>.old</c>.
    /// </summary>
    public sealed class LittleFsConfigStore : IConfigStore
    {
        private readonly string _directory;

        /// <summary>Uses (and creates) <paramref name="directory"/>, e.g. <c>I:\ata</c>.</summary>
        public LittleFsConfigStore(string directory)
        {
            _directory = directory;
            if (!Directory.Exists(directory))
            {
                Directory.CreateDirectory(directory);
            }
        }

        /// <inheritdoc/>
        public string Read(string name)
        {
            string path = PathOf(name);
            string text = ReadVerified(path);
            if (text == null)
            {
                text = ReadVerified(path + ".new");
            }

            if (text == null)
            {
                text = ReadVerified(path + ".old");
            }

            return text;
        }

        /// <inheritdoc/>
        public bool Write(string name, string content)
        {
            string path = PathOf(name);
            byte[] record = ConfigRecord.Encode(content);
            try
            {
                Delete(path + ".new");
                File.WriteAllBytes(path + ".new", record);
                if (ReadVerified(path + ".new") != content)
                {
                    Delete(path + ".new");
                    return false;
                }

                Delete(path + ".old");
                if (File.Exists(path))
                {
                    File.Move(path, path + ".old");
                }

                File.Move(path + ".new", path);
                Delete(path + ".old");
                return true;
            }
            catch (IOException)
            {
                return false;
            }
        }

        /// <inheritdoc/>
        public void EraseAll()
        {
            string[] files = Directory.GetFiles(_directory);
            for (int i = 0; i < files.Length; i++)
            {
                Delete(files[i]);
            }
        }

        private string PathOf(string name)
        {
            return Path.Combine(_directory, name + ".rec");
        }

        private static string ReadVerified(string path)
        {
            try
            {
                return File.Exists(path) ? ConfigRecord.Decode(File.ReadAllBytes(path)) : null;
            }
            catch (IOException)
            {
                return null;
            }
        }

        private static void Delete(string path)
        {
            if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
    }
}
