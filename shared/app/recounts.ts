import type { Config } from '../config';
import { BusRecountTrigger } from '../events/bus';
import type { RecountTrigger } from '../events/recount-trigger';
import type { AppContext } from './context';
import { LocalRecounter, recountScenario } from './scenarios';

/**
 * Where a process's thread writes send recount requests: the bus in the cloud (EVENT_BUS_NAME; the
 * recount function takes them from its queue), else this process recounts (`LocalRecounter`).
 */
export const createRecounter = (
  cfg: Pick<Config, 'eventBusName' | 'region'>,
  ctx: () => Pick<AppContext, 'scenarios'>,
): RecountTrigger =>
  cfg.eventBusName
    ? new BusRecountTrigger(cfg.eventBusName, cfg.region)
    : new LocalRecounter((id) => recountScenario(ctx(), id));
