# The safety and exposure results of results.json, computed independently in R from a trial
# data package's CSV files (the definitions of docs/results-schema.md, `safety`/`exposure`).
# Usage: Rscript tests/data/r_oracle/safety.R <package dir> <output file>
# Output: key,value rows; each key is a results.json path.
args <- commandArgs(trailingOnly = TRUE)
read <- function(name) read.csv(file.path(args[1], name), stringsAsFactors = FALSE,
                                 na.strings = "")
pt <- read("patients.csv")
ae <- read("adverse_events.csv")
ad <- read("administrations.csv")
d <- function(x) as.Date(x)
groups <- c("original", "amended")
out <- list()
put <- function(key, value) out[[key]] <<- if (is.null(value) || length(value) == 0) NA else value

counts <- function(prefix, flag, population) {
  flag <- flag & population
  put(paste0(prefix, ".overall.count"), sum(flag))
  put(paste0(prefix, ".overall.denominator"), sum(population))
  m <- sapply(groups, function(g) {
    inside <- population & pt$cohort == g
    c(sum(flag & inside), sum(!flag & inside))
  })
  for (g in groups) {
    put(paste0(prefix, ".by_group.", g, ".count"), m[1, g])
    put(paste0(prefix, ".by_group.", g, ".denominator"), sum(m[, g]))
  }
  if (all(colSums(m) > 0)) {
    put(paste0(prefix, ".p"), fisher.test(m)$p.value)
    if (all(rowSums(m) > 0))
      put(paste0(prefix, ".p_chi_squared"), suppressWarnings(chisq.test(m, correct = FALSE)$p.value))
  }
}
distribution <- function(prefix, values) {
  summary <- function(where, v) {
    v <- v[!is.na(v)]
    put(paste0(prefix, where, ".n"), length(v))
    if (length(v)) {
      put(paste0(prefix, where, ".median"), median(v))
      put(paste0(prefix, where, ".min"), min(v))
      put(paste0(prefix, where, ".max"), max(v))
    }
  }
  summary(".overall", values)
  for (g in groups) summary(paste0(".by_group.", g), values[pt$cohort == g])
  a <- values[pt$cohort == groups[1] & !is.na(values)]
  b <- values[pt$cohort == groups[2] & !is.na(values)]
  if (length(a) && length(b)) put(paste0(prefix, ".p"), suppressWarnings(wilcox.test(a, b)$p.value))
}

start <- d(pt$start_date)
death <- d(pt$death_date)
relapse <- d(pt$relapse_date)
response <- d(pt$response_date)
sct_date <- d(pt$sct_date)
sct <- !is.na(sct_date)
everyone <- rep(TRUE, nrow(pt))

# SOS: any event whose term names it, any grade, any time
is_sos <- grepl("sinusoidal obstruction|veno-?occlusive|\\b(sos|vod)\\b", ae$term,
                ignore.case = TRUE, perl = TRUE)
sos_events <- ae[is_sos, ]
sos <- pt$patient_id %in% sos_events$patient_id
counts("safety.sos", sos, everyone)
counts("safety.sos_sct", sos, sct)
counts("safety.sos_no_sct", sos, !sct)
counts("safety.sos_fatal", pt$patient_id %in% sos_events$patient_id[sos_events$grade == 5], sos)
relapsed_first <- !is.na(relapse) & (is.na(death) | relapse <= death)
died_no_relapse <- !is.na(death) & !relapsed_first
counts("safety.sos_died", died_no_relapse, sos)

# induction/consolidation courses: intensive-phase courses with a drug other than blinatumomab
ad$date <- d(ad$date)
blin_row <- grepl("blinatumomab", ad$drug, ignore.case = TRUE)
ino_row <- grepl("inotuzumab", ad$drug, ignore.case = TRUE)
chemo <- ad[ad$phase == "intensive" & !blin_row, ]
starts <- aggregate(date ~ patient_id + course, data = chemo, FUN = min)
n_courses <- function(frame) {
  k <- tapply(frame$course, frame$patient_id, function(x) length(unique(x)))
  as.numeric(k[pt$patient_id])
}
distribution("exposure.intensive_courses", n_courses(chemo))
ino_courses <- n_courses(ad[ino_row, ])
counts("exposure.inotuzumab_all_planned_courses", !is.na(ino_courses) & ino_courses >= 4, everyone)
blin_intensive <- n_courses(ad[blin_row & ad$phase == "intensive", ])
distribution("exposure.blinatumomab_courses", blin_intensive)
counts("exposure.blinatumomab_on_study", pt$patient_id %in% ad$patient_id[blin_row], everyone)
counts("exposure.blinatumomab_off_study",
       !is.na(pt$blinatumomab_date) & !(pt$patient_id %in% ad$patient_id[blin_row]), everyone)
# cumulative inotuzumab: mg given over the Mosteller BSA (0.01 m2); plan 5.7 / 2.7 mg/m2
ino_mg <- tapply(ad$dose[ino_row], ad$patient_id[ino_row], sum)
bsa <- round(sqrt(pt$height_cm * pt$weight_kg / 3600), 2)
per_m2 <- round(as.numeric(ino_mg[pt$patient_id]) / bsa, 3)
distribution("exposure.inotuzumab_cumulative_mg_per_m2", per_m2)
distribution("exposure.inotuzumab_percent_of_plan",
             100 * per_m2 / ifelse(pt$cohort == "original", 5.7, 2.7))
counts("exposure.blinatumomab_all_planned_courses", !is.na(blin_intensive) & blin_intensive >= 4,
       pt$cohort == "amended")
counts("exposure.blinatumomab_received", !is.na(pt$blinatumomab_date), everyone)
months <- function(x) as.numeric(x - start + 1) / 30.4375
distribution("exposure.months_to_sct", months(sct_date))
distribution("exposure.months_to_blinatumomab", months(d(pt$blinatumomab_date)))

# courses started on or before the first SOS onset
onset <- tapply(as.numeric(d(sos_events$onset_date)), sos_events$patient_id, min)
before <- sapply(seq_len(nrow(pt)), function(i) {
  if (!sos[i]) return(NA)
  s <- starts[starts$patient_id == pt$patient_id[i], ]
  sum(as.numeric(s$date) <= onset[[pt$patient_id[i]]])
})
distribution("safety.courses_before_sos", before)

# last inotuzumab dose before SCT, weeks
weeks <- sapply(seq_len(nrow(pt)), function(i) {
  if (!sct[i]) return(NA)
  doses <- ad$date[ino_row & ad$patient_id == pt$patient_id[i] & ad$date < sct_date[i]]
  if (!length(doses)) return(NA)
  as.numeric(sct_date[i] - max(doses)) / 7
})
distribution("safety.last_inotuzumab_to_sct_weeks", weeks)

# early death: death on study day 1-28 before any response
death_day <- as.numeric(death - start + 1)
early <- !is.na(death) & death_day <= 28 & !(!is.na(response) & response <= death)
counts("safety.early_death", early, everyone)
distribution("safety.early_death.day", ifelse(early, death_day, NA))

# deaths in remission: responders who died without a relapse on or before death
responder <- pt$best_response %in% c("CR", "CRp", "CRi")
counts("safety.deaths_in_remission.sct", died_no_relapse, responder & sct)
counts("safety.deaths_in_remission.no_sct", died_no_relapse, responder & !sct)

write.csv(data.frame(key = names(out), value = sprintf("%.17g", unlist(out))), args[2],
          row.names = FALSE, quote = FALSE)
