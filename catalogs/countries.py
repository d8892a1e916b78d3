"""CAT-020 across editions: the 2023 generation names countries with MH's 4-digit codes
(9483 Guatemala), the 2026 one with ISO 3166 alpha-2 (GT) (catalogs SOURCES §3.2). A client saved
with a 4-digit code is written in a 2026 document (FEX v3, CD v2 …) with its ISO code.

The pairs are this project's data, written here for every one of the 275 codes of MH's 4-digit list
except 9999 ("No definido en migración", not a country): catalogs/tests/test_countries.py checks,
against both official lists in SHARED_DIR, that every other code has a pair and every pair's ISO
code is in MH's 2026 list (and that a pair agrees with the names where both lists spell the country
the same way). Historical entries and parts of a country go to the state that holds them now:
Alemania Occidental/Oriental → DE, Alto Volta → BF, Dahomey → BJ, Ceilán → LK, Birmania → MM,
Rodesia → ZW, Zaire → CD, URSS → RU, Rep. Yugoslavia → RS (its continuator), Checoslovaquia → CZ,
Vietnam Norte/Sur → VN, Yemen Sur → YE, Nuevas Hébridas → VU, Samoa Occidental → WS, Suecilandia
(Swaziland) → SZ, Mascate y Omán → OM, Nueva Guinea → PG, the South African homelands
(Bophuthatswana, Transkei, Venda) → ZA, Cabinda → AO, Azores → PT, Qeshm → IR, Inglaterra y Gales →
GB, Campione d'Italia → IT, the US states (99xx) → US, Antillas Holandesas → CW (Curaçao held its
government; BQ and SX are the other successors). A country not here is refused before issuing
(dte.services.problems)."""

# "4-digit ISO" pairs, sorted by the 4-digit code.
_PAIRS = """
9300 SV 9303 AF 9304 AX 9306 AL 9309 DE 9310 DE 9311 DE 9315 BF 9317 AD 9318 AO 9319 AG 9320 AI
9324 SA 9327 DZ 9330 AR 9332 AW 9333 AU 9336 AT 9338 AZ 9339 BD 9342 BH 9345 BB 9348 BE 9349 BZ
9350 BJ 9353 BY 9354 MM 9357 BO 9359 BA 9360 BW 9363 BR 9366 BN 9369 BG 9371 BF 9372 BI 9374 ZA
9375 BT 9376 AO 9377 CV 9378 KH 9381 CM 9384 CA 9387 LK 9390 CF 9393 CO 9394 KM 9396 CG 9399 CD
9402 KP 9405 KR 9408 CI 9411 CR 9414 CU 9415 CW 9417 TD 9420 CZ 9423 CL 9426 CN 9432 CY 9435 BJ
9438 DK 9439 DJ 9440 DM 9441 DO 9444 EC 9446 AE 9447 ES 9449 SK 9450 US 9451 SI 9452 WF 9453 ET
9454 ER 9456 FJ 9457 EE 9459 PH 9462 FI 9465 FR 9468 GA 9471 GM 9472 GE 9474 GH 9477 GI 9480 GR
9481 GD 9482 GL 9483 GT 9486 GN 9487 GY 9489 GP 9490 GU 9491 GF 9492 GG 9493 GQ 9494 GW 9495 HT
9498 NL 9501 HN 9504 HK 9507 HU 9510 IN 9513 ID 9514 GB 9516 IQ 9519 IR 9521 IM 9522 IE 9523 CX
9524 CC 9525 IS 9526 SB 9527 CK 9528 IL 9529 FO 9530 PT 9531 IT 9532 IR 9533 FK 9534 JM 9535 MP
9536 MH 9537 JP 9538 PN 9539 TC 9540 JO 9541 KZ 9542 UM 9543 KE 9544 KI 9545 VI 9546 KW 9547 JE
9548 KG 9549 LA 9551 LV 9552 LS 9555 LB 9558 LR 9561 LY 9564 LI 9565 LT 9567 LU 9568 MO 9570 MG
9571 MK 9573 MY 9574 ML 9576 MW 9577 MV 9579 ML 9582 MT 9585 MA 9591 OM 9594 MU 9597 MR 9598 YT
9600 MX 9601 FM 9602 MD 9603 MC 9606 MN 9607 ME 9608 MS 9609 MZ 9610 NA 9611 NR 9612 NP 9615 NI
9618 NE 9621 NG 9622 NU 9623 NF 9624 NO 9627 NC 9633 NZ 9636 VU 9638 PG 9639 PK 9640 PS 9641 HR
9642 PA 9643 PW 9645 PY 9648 PE 9651 PL 9652 PF 9654 PT 9660 QA 9663 GB 9664 CZ 9666 EG 9667 RE
9669 ZW 9672 RW 9673 AM 9675 RO 9676 EH 9677 SM 9678 WS 9679 KN 9680 LC 9681 SN 9682 ST 9683 VC
9684 SL 9685 AS 9686 PM 9687 SG 9688 SH 9689 RS 9690 SY 9691 SC 9692 SJ 9693 SO 9696 ZA 9699 SD
9702 SE 9705 CH 9706 SR 9707 LK 9708 SZ 9709 TJ 9711 TH 9712 IO 9713 TF 9714 TZ 9715 PS 9716 TL
9717 TG 9718 TK 9719 TM 9720 TT 9722 TO 9723 TN 9725 ZA 9726 TR 9727 TV 9729 UG 9732 RU 9733 RU
9735 UY 9736 UA 9737 UZ 9738 VA 9739 VU 9740 ZA 9741 VE 9744 VN 9746 VN 9747 VN 9750 YE 9751 DJ
9756 RS 9758 CD 9759 ZM 9760 ZW 9850 PR 9862 BS 9863 BM 9865 MQ 9886 PG 9887 KY 9888 SX 9897 VG
9898 CW 9899 TW 9900 US 9901 US 9902 US 9903 IT 9904 US 9905 US 9906 US 9907 US
"""

ISO_OF_4DIGIT = dict(zip(_PAIRS.split()[::2], _PAIRS.split()[1::2], strict=True))
NOT_A_COUNTRY = {"9999"}  # "No definido en migración": no ISO code stands for it


def iso_code(code):
    """The ISO alpha-2 code of a CAT-020 code of either edition ("" when unknown)."""
    code = (code or "").strip().upper()
    if len(code) == 2 and code.isalpha():
        return code
    return ISO_OF_4DIGIT.get(code, "")
