# cython: language_level=3
"""The neuron rules of cores/nm_rules.h, declared for Cython: the per-core kernels (:mod:`cores._kernels`) and
the fused tick kernel (:mod:`emulator._fused`) call the same C functions as the fused loop's C paths, so every
compiled path runs one definition of each rule (the NumPy oracle is :mod:`cores._reference`).
"""

from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint64_t


cdef extern from "nm_rules.h":
    # Loihi per-neuron record (NumPy twin: cores.tables.LOIHI_DTYPE, same field order and padding).
    ctypedef struct LoihiNeuron "nm_loihi_neuron_t":
        int64_t vth_eff           # vth << threshold_shift [voltage LSB]
        int64_t bias_eff          # shift(bias_mant, bias_exp) [voltage LSB]
        int32_t k_u               # 2**D - (du + 1): current decay multiplier
        int32_t k_v               # 2**D - dv: voltage decay multiplier
        int16_t refractory_ticks
        int8_t weight_exp
        uint8_t flags             # LF_REST
        int32_t pad

    # TrueNorth per-neuron record (NumPy twin: cores.tables.TRUENORTH_DTYPE).
    ctypedef struct TrueNorthNeuron "nm_tn_neuron_t":
        int64_t reset_value       # R [membrane LSB]
        int32_t alpha
        int32_t beta
        int32_t eta_mask          # 2**threshold_mask_bits - 1
        int16_t leak
        uint8_t reset_mode        # gamma
        uint8_t flags             # TF_* below

    ctypedef struct LoihiCfg "nm_loihi_cfg_t":
        int refractory

    ctypedef struct TnCfg "nm_tn_cfg_t":
        int wrap

    enum:
        LF_REST "NM_LF_REST"
        F_SPIKE "NM_F_SPIKE"
        F_ACTIVE "NM_F_ACTIVE"
        TF_LEAK_REV "NM_TF_LEAK_REV"
        TF_LEAK_STOCH "NM_TF_LEAK_STOCH"
        TF_KAPPA "NM_TF_KAPPA"
        TF_REST "NM_TF_REST"
        SLOT_THRESHOLD "NM_SLOT_THRESHOLD"
        SLOT_LEAK "NM_SLOT_LEAK"
        SLOT_SYNAPSE "NM_SLOT_SYNAPSE"

    LoihiCfg loihi_cfg "nm_loihi_cfg"(int decay_bits, int input_shift, int current_bits, int u_wrap,
                                      int membrane_bits, int v_wrap, int refractory) noexcept nogil
    int loihi_neuron "nm_loihi_neuron"(const LoihiNeuron* p, int64_t* u, int64_t* v, int32_t* refr, int64_t a_in,
                                       const LoihiCfg* c) noexcept nogil
    bint loihi_at_rest "nm_loihi_at_rest"(const LoihiNeuron* p, int64_t u, int64_t v, int32_t r,
                                          int64_t a_in) noexcept nogil

    TnCfg tn_cfg "nm_tn_cfg"(int membrane_bits, int wrap, int twos) noexcept nogil
    int tn_neuron "nm_tn_neuron"(const TrueNorthNeuron* p, int64_t* v, int64_t a_in, uint64_t h_ct, int64_t local,
                                 const TnCfg* c) noexcept nogil
    bint tn_at_rest "nm_tn_at_rest"(const TrueNorthNeuron* p, int64_t v, int64_t a_in) noexcept nogil

    uint64_t mix64 "nm_mix64"(uint64_t z) noexcept nogil
    uint64_t core_tick_hash "nm_core_tick_hash"(uint64_t key, int64_t core, int64_t tick) noexcept nogil
    int64_t sign "nm_sign64"(int64_t x) noexcept nogil
