/* Adding tones into a frame: a scaled source (a tone's loop buffer) or sine oscillators (DTMF). */
#include "ata_media.h"

#define GAIN_SHIFT 15
#define SINE_INDEX_SHIFT 22

static int16_t saturate(int32_t value)
{
    if (value > 32767) {
        return 32767;
    }

    return value < -32768 ? -32768 : (int16_t)value;
}

void ata_mix_scaled(const int16_t *source, int16_t *target, int32_t count, int32_t gain)
{
    int32_t i;
    for (i = 0; i < count; i++) {
        target[i] = saturate(target[i] + ((source[i] * gain) >> GAIN_SHIFT));
    }
}

void ata_oscillate(const int16_t *table, int32_t *phases, const int32_t *steps,
                   const int32_t *amplitudes, int32_t oscillators, int16_t *target, int32_t count)
{
    int32_t i;
    int32_t o;
    for (i = 0; i < count; i++) {
        int32_t value = target[i];
        for (o = 0; o < oscillators; o++) {
            uint32_t phase = (uint32_t)phases[o];
            value += (table[phase >> SINE_INDEX_SHIFT] * amplitudes[o]) >> GAIN_SHIFT;
            phases[o] = (int32_t)(phase + (uint32_t)steps[o]);
        }

        target[i] = saturate(value);
    }
}
