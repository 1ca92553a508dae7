/*
 * The adapter's per-sample media kernels in C: the same arithmetic as the managed reference
 * (firmware/Ata.Core/Media/ManagedMediaKernels.cs), bit for bit. Plain C99, no allocation, no state
 * of their own: the caller passes every buffer. On the board the nanoFramework interop glue
 * (interop/) calls them from the InternalCall methods of Ata.Device.Board.NativeMediaKernels; on a
 * PC the tests and benchmarks load them as a shared library (libatamedia.so) through P/Invoke.
 *
 * Gains are in 1/32768ths (32768 is unity). Counts of 0 or less do nothing.
 */
#ifndef ATA_MEDIA_H
#define ATA_MEDIA_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* G.711 A-law and µ-law (ITU-T G.711), a frame at a time. */
void ata_alaw_encode(const int16_t *pcm, uint8_t *coded, int32_t count);
void ata_alaw_decode(const uint8_t *coded, int16_t *pcm, int32_t count);
void ata_mulaw_encode(const int16_t *pcm, uint8_t *coded, int32_t count);
void ata_mulaw_decode(const uint8_t *coded, int16_t *pcm, int32_t count);

/* A bank of Goertzel filters (coefficients 2cos(w) in Q14) over samples taken as x = sample >> 2;
 * s1/s2 carry the state; returns the energy sum(x^2) of the samples. */
int64_t ata_goertzel_feed(const int16_t *samples, int32_t count, const int32_t *coefficients,
                          int32_t *s1, int32_t *s2, int32_t filters);

/* Ends a block: power[f] = s1^2 + s2^2 - ((c * s1) >> 14) * s2, then clears s1 and s2. */
void ata_goertzel_power(const int32_t *coefficients, int32_t *s1, int32_t *s2, int64_t *power,
                        int32_t filters);

/* target += (source * gain) >> 15, saturating. */
void ata_mix_scaled(const int16_t *source, int16_t *target, int32_t count, int32_t gain);

/* Adds sine oscillators into target, saturating: table holds ATA_SINE_TABLE_LENGTH Q15 samples of one
 * turn; each oscillator contributes (table[phase >> 22] * amplitude) >> 15, then advances its phase. */
#define ATA_SINE_TABLE_LENGTH 1024
void ata_oscillate(const int16_t *table, int32_t *phases, const int32_t *steps,
                   const int32_t *amplitudes, int32_t oscillators, int16_t *target, int32_t count);

/* The lag in [min_lag, max_lag] with the least sum of absolute differences between the window
 * samples before history[end] and the same samples lag earlier; the shortest lag wins a tie. */
int32_t ata_pitch_lag(const int16_t *history, int32_t end, int32_t window, int32_t min_lag,
                      int32_t max_lag);

/* Repeats the period samples at period_start from phase, with a gain moving linearly from gain_from
 * towards gain_to: sample i has gain_from + (gain_to - gain_from) * i / count. */
void ata_repeat(const int16_t *period_start, int32_t period, int32_t phase, int16_t *target,
                int32_t count, int32_t gain_from, int32_t gain_to);

/* target[i] = (from[i] * (count - i) + target[i] * i) / count. */
void ata_cross_fade(const int16_t *from, int16_t *target, int32_t count);

/* The line echo canceller: cancels the echo of far_end (what the earpiece played) in near_end (the
 * microphone, replaced in place), count samples. history holds 4 * taps samples (the far end, then
 * its pre-whitened copy), weights 2 * taps Q28 weights (the background filter's, then the foreground's),
 * state ATA_ECHO_STATE_LENGTH values in the slots below (Ata.Core.Media.EchoCanceller names them). */
#define ATA_ECHO_POSITION 0
#define ATA_ECHO_ENERGY 1
#define ATA_ECHO_HANGOVER 2
#define ATA_ECHO_PEAK 3
#define ATA_ECHO_PEAK_COUNTDOWN 4
#define ATA_ECHO_RESIDUAL_LEVEL 5
#define ATA_ECHO_MICROPHONE_LEVEL 6
#define ATA_ECHO_NOISE_LEVEL 7
#define ATA_ECHO_NOISE_SEED 8
#define ATA_ECHO_FLAGS 9
#define ATA_ECHO_STEP 10
#define ATA_ECHO_DOUBLE_TALK_SAMPLES 11
#define ATA_ECHO_SUPPRESSED_SAMPLES 12
#define ATA_ECHO_PREVIOUS_FAR_END 13
#define ATA_ECHO_PREVIOUS_MICROPHONE 14
#define ATA_ECHO_BACKGROUND_RESIDUAL_LEVEL 15
#define ATA_ECHO_BACKGROUND_BETTER 16
#define ATA_ECHO_TRANSFER_COUNT 17
#define ATA_ECHO_BACKGROUND_WORSE 18
#define ATA_ECHO_STATE_LENGTH 19
void ata_cancel_echo(const int16_t *far_end, int16_t *near_end, int32_t count, int16_t *history,
                     int32_t *weights, int32_t taps, int64_t *state);

#ifdef __cplusplus
}
#endif

#endif
