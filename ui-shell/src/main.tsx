import { render } from 'preact';
import { App } from './app';
import { claimFunctionKeys } from './keys';
import './styles.css';

// One build, three apps: the cashier's at `/` on loopback, the pickers' at
// `/picker` (where the till's LAN listener sends handhelds) and the
// customer's display at `/display`, each of the last two loaded as its own
// chunk so the till's screen carries none of it.
const root = document.getElementById('app')!;
if (location.pathname.startsWith('/picker')) {
  void import('./picker/PickerApp').then(({ PickerApp }) => render(<PickerApp />, root));
} else if (location.pathname.startsWith('/display')) {
  void import('./display/DisplayApp').then(({ DisplayApp }) => render(<DisplayApp />, root));
} else {
  claimFunctionKeys();
  render(<App />, root);
}
