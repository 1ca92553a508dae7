namespace Ata.Core.Json
{
    /// <summary>Numbers (RFC 8259 §6): an integer that fits becomes a <see cref="long"/>, any other number a <see cref="double"/>.</summary>
    public sealed partial class JsonReader
    {
        private object ReadNumber()
        {
            int start = _pos;
            bool negative = false;
            if (Peek() == '-')
            {
                negative = true;
                _pos++;
            }

            int digitsStart = _pos;
            long integer = 0;
            bool overflow = false;
            while (_pos < _end && IsDigit(_data[_pos]))
            {
                _visited++;
                long next = (integer * 10) + (_data[_pos] - '0');
                if (next < integer)
                {
                    overflow = true;
                }

                integer = next;
                _pos++;
            }

            if (_pos == digitsStart || (_data[digitsStart] == '0' && _pos - digitsStart > 1))
            {
                throw Error("bad number", start);
            }

            bool isInteger = true;
            double fraction = 0;
            if (Peek() == '.')
            {
                isInteger = false;
                _pos++;
                double scale = 0.1;
                int fracStart = _pos;
                while (_pos < _end && IsDigit(_data[_pos]))
                {
                    _visited++;
                    fraction += (_data[_pos] - '0') * scale;
                    scale /= 10;
                    _pos++;
                }

                if (_pos == fracStart)
                {
                    throw Error("bad number", start);
                }
            }

            int exponent = 0;
            byte ec = Peek();
            if (ec == 'e' || ec == 'E')
            {
                isInteger = false;
                _pos++;
                bool expNegative = false;
                if (Peek() == '+' || Peek() == '-')
                {
                    expNegative = Peek() == '-';
                    _pos++;
                }

                int expStart = _pos;
                while (_pos < _end && IsDigit(_data[_pos]))
                {
                    _visited++;
                    if (exponent < 1000)
                    {
                        exponent = (exponent * 10) + (_data[_pos] - '0');
                    }

                    _pos++;
                }

                if (_pos == expStart)
                {
                    throw Error("bad number", start);
                }

                if (expNegative)
                {
                    exponent = -exponent;
                }
            }

            if (isInteger && !overflow)
            {
                return negative ? -integer : integer;
            }

            double value = integer + fraction;
            while (exponent > 0)
            {
                value *= 10;
                exponent--;
            }

            while (exponent < 0)
            {
                value /= 10;
                exponent++;
            }

            return negative ? -value : value;
        }
    }
}
