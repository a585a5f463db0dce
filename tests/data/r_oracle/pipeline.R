# The whole analysis of a trial data package in R, from patients.csv, for the end-to-end check.
# Usage: Rscript tests/data/r_oracle/pipeline.R <package dir> <output csv>
# Writes one row per quantity: key, value (as %.17g). Keys mirror results.json paths.
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
p <- read.csv(file.path(args[1], "patients.csv"), na.strings = "", stringsAsFactors = FALSE)
day <- function(x) as.numeric(as.Date(x))
start <- day(p$start_date)
p$time <- ifelse(is.na(p$death_date), day(p$last_followup_date), day(p$death_date)) - start + 1
p$status <- as.integer(!is.na(p$death_date))
p$sct_time <- day(p$sct_date) - start + 1
p$blin_time <- day(p$blinatumomab_date) - start + 1
p$cohort <- factor(p$cohort, levels = c("original", "amended"))
p$salvage1 <- ifelse(p$salvage == "S1", "Salvage 1", "Salvage 2+")
month <- 30.4375
out <- list()
put <- function(key, value) out[[key]] <<- as.double(value)
km <- function(prefix, fit) {
  q <- quantile(fit, 0.5)
  put(paste0(prefix, ".median_months"), q$quantile / month)
  put(paste0(prefix, ".median_ci_months.0"), q$lower / month)
  put(paste0(prefix, ".median_ci_months.1"), q$upper / month)
  s <- summary(fit, times = c(12, 24, 36) * month, extend = FALSE)
  for (i in seq_along(s$time)) {
    m <- as.character(round(s$time[i] / month))
    put(paste0(prefix, ".survival.", m, ".estimate"), s$surv[i])
    put(paste0(prefix, ".survival.", m, ".lower"), s$lower[i])
    put(paste0(prefix, ".survival.", m, ".upper"), s$upper[i])
  }
}
km("os", survfit(Surv(time, status) ~ 1, data = p, conf.type = "log-log"))
resp <- p[!is.na(p$response_date) & p$best_response %in% c("CR", "CRp", "CRi"), ]
relapse_or_death <- pmin(day(resp$relapse_date), day(resp$death_date), na.rm = TRUE)
rfs_event <- !is.na(relapse_or_death)
rfs_time <- ifelse(rfs_event, relapse_or_death, day(resp$last_followup_date)) -
  day(resp$response_date) + 1
km("rfs", survfit(Surv(rfs_time, as.integer(rfs_event)) ~ 1, conf.type = "log-log"))
for (g in levels(p$cohort)) {
  km(paste0("os_by.cohort.groups.", g),
     survfit(Surv(time, status) ~ 1, data = p[p$cohort == g, ], conf.type = "log-log"))
}
put("os_by.cohort.logrank_p", survdiff(Surv(time, status) ~ cohort, data = p)$pvalue)
put("os_by.salvage.logrank_p", survdiff(Surv(time, status) ~ salvage1, data = p)$pvalue)

lm_days <- 4 * month
lm <- p[p$time > lm_days, ]
lm$exposed <- ifelse(!is.na(lm$sct_time) & lm$sct_time <= lm_days, "yes", "no")
lm$time <- lm$time - lm_days
put("landmarks.sct_4m.n", nrow(lm))
put("landmarks.sct_4m.logrank_p", survdiff(Surv(time, status) ~ exposed, data = lm)$pvalue)
km("landmarks.sct_4m.groups.yes",
   survfit(Surv(time, status) ~ 1, data = lm[lm$exposed == "yes", ], conf.type = "log-log"))

cox <- function(prefix, fit) {
  s <- summary(fit)
  for (term in rownames(s$coefficients)) {
    put(paste0(prefix, ".", term, ".hr"), s$conf.int[term, "exp(coef)"])
    put(paste0(prefix, ".", term, ".lower"), s$conf.int[term, "lower .95"])
    put(paste0(prefix, ".", term, ".upper"), s$conf.int[term, "upper .95"])
    put(paste0(prefix, ".", term, ".p"), s$coefficients[term, "Pr(>|z|)"])
  }
}
cox("cox.univariate", coxph(Surv(time, status) ~ pb_blasts_pct, data = p, ties = "efron"))
cox("cox.univariate", coxph(Surv(time, status) ~ cohort, data = p, ties = "efron"))
base <- p[, c("patient_id", "time", "status", "pb_blasts_pct", "cohort")]
base$id <- seq_len(nrow(base))
td <- tmerge(base, base, id = id, event = event(time, status))
td <- tmerge(td, transform(p, id = seq_len(nrow(p))), id = id, sct = tdc(sct_time))
cox("cox.univariate", coxph(Surv(tstart, tstop, event) ~ sct, data = td, ties = "efron"))
given <- coxph(Surv(tstart, tstop, event) ~ sct + pb_blasts_pct + cohort, data = td,
               ties = "efron")
cox("cox.given", given)
put("cox.multivariate_model.lrt_p", summary(given)$logtest[["pvalue"]])
put("cox.multivariate_model.events", given$nevent)
write.csv(data.frame(key = names(out), value = sprintf("%.17g", unlist(out))), args[2],
          row.names = FALSE, quote = FALSE)
